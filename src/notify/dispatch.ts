/**
 * From events to notifications: which notifier hears which event, how often a problem is repeated,
 * and delivery that never holds up renewal.
 *
 * - Filter: a notifier gets the event types in its `events:` list, for its `certificates:` (all
 *   when absent).
 * - Throttle: a problem event (failed, verify_overdue, expiring_soon, drift_detected) or a failed
 *   drill (drill_failed) goes to a notifier at most once per `renotify` per certificate and type; the time it was last sent is kept
 *   in the state store ("notified/<notifier>/<certificate>/<type>") so cron runs throttle too.
 * - Recovery: `recovered` closes those keys (the next failure is news again) and is sent once, to a
 *   notifier that was told about one of the problems (or that listens to no problem type at all);
 *   `drill_recovered` does the same for `drill_failed`.
 * - Delivery runs in the background: a few attempts with a short backoff, then an error log. The
 *   run waits for deliveries in flight at its end (`drain`), for a bounded time.
 */
import { describeError } from '../errors.js';
import { isThrottled, RECOVERY_OF, type CertloopEvent, type EventContext, type EventListener, type EventType } from '../observability/events.js';
import type { Logger } from '../observability/logger.js';
import type { Notifier } from '../plugins.js';
import type { StateStore } from '../state/store.js';

export interface NotifierEntry {
  notifier: Notifier;
  events: EventType[];
  renotify: number;
  certificates?: string[];
}

export type DeliveryResult = 'sent' | 'failed' | 'throttled';

export interface DispatcherOptions {
  store: StateStore;
  log: Logger;
  baseDir: string;
  /** Waits between attempts; attempts = length + 1. */
  retryDelaysMs?: number[];
  /** For metrics. */
  onResult?: (notifier: string, event: EventType, result: DeliveryResult) => void;
}

export function notifiedKey(notifier: string, certificate: string, type: EventType): string {
  return `notified/${notifier}/${certificate}/${type}`;
}

export class NotificationDispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelays: number[];

  constructor(
    private readonly entries: NotifierEntry[],
    private readonly opts: DispatcherOptions,
  ) {
    this.retryDelays = opts.retryDelaysMs ?? [500, 2000];
  }

  /** Subscribe this to the EventBus. */
  readonly listener: EventListener = async (event: CertloopEvent, _ctx: EventContext) => {
    for (const entry of this.entries) {
      if (entry.certificates && !entry.certificates.includes(event.certificate)) continue;
      if (await this.shouldSend(entry, event)) this.deliver(entry.notifier, event);
    }
  };

  private async shouldSend(entry: NotifierEntry, event: CertloopEvent): Promise<boolean> {
    const { store } = this.opts;
    const id = entry.notifier.id;
    const family = RECOVERY_OF[event.type];
    if (family) {
      const ended = event.type === 'recovered' ? event.data.from : family;
      let told = false;
      for (const from of ended) {
        const key = notifiedKey(id, event.certificate, from);
        if ((await store.getValue(key)) !== undefined) told = true;
        await store.setValue(key, undefined);
      }
      return entry.events.includes(event.type) && (told || !entry.events.some((t) => family.includes(t)));
    }
    if (!entry.events.includes(event.type)) return false;
    if (!isThrottled(event.type)) return true;
    const key = notifiedKey(id, event.certificate, event.type);
    const last = await store.getValue(key);
    if (last !== undefined && Date.parse(event.at) - Date.parse(last) < entry.renotify) {
      this.opts.log.debug({ certificate: event.certificate, event: event.type, notifier: id, lastSent: last }, 'notification throttled (renotify interval)');
      this.opts.onResult?.(id, event.type, 'throttled');
      return false;
    }
    await store.setValue(key, event.at);
    return true;
  }

  private deliver(notifier: Notifier, event: CertloopEvent): void {
    const p = this.attempt(notifier, event).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async attempt(notifier: Notifier, event: CertloopEvent): Promise<void> {
    const { log } = this.opts;
    const fields = { certificate: event.certificate, event: event.type, notifier: notifier.describe() };
    for (let attempt = 1; ; attempt++) {
      try {
        await notifier.send(event, { log, baseDir: this.opts.baseDir });
        log.info(fields, 'notification sent');
        this.opts.onResult?.(notifier.id, event.type, 'sent');
        return;
      } catch (err) {
        const wait = this.retryDelays[attempt - 1];
        if (wait === undefined) {
          log.error({ ...fields, code: 'NOTIFY_FAILED', attempts: attempt, err: describeError(err) }, 'notification could not be delivered; giving up on it');
          this.opts.onResult?.(notifier.id, event.type, 'failed');
          return;
        }
        log.warn({ ...fields, attempt, err: describeError(err) }, `notification failed; retrying in ${wait} ms`);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Wait for deliveries in flight, at most `timeoutMs`; what is left is logged and abandoned. */
  async drain(timeoutMs = 30_000): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const done = (async () => {
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      return 'done' as const;
    })();
    const result = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') this.opts.log.warn({ pending: this.inFlight.size }, 'notifications still in flight at exit were abandoned');
  }
}

/** Turns the `notify:` config into dispatcher entries; ids default to "<type>-<index>". */
export function notifierEntries<C extends { type: string; name?: string; events: EventType[]; renotify: number; certificates?: string[] }>(
  configs: C[],
  create: (config: C, id: string) => Notifier,
): NotifierEntry[] {
  return configs.map((c, i) => ({
    notifier: create(c, c.name ?? `${c.type}-${i}`),
    events: c.events,
    renotify: c.renotify,
    certificates: c.certificates,
  }));
}


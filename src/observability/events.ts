/**
 * Events: what happened to a certificate, in one typed shape that the state store (history),
 * notifiers, metrics and terminal progress all see the same way. The controller never writes
 * history or calls a notifier directly; it calls `emit(ctx, {...})` and the bus fans out.
 *
 * Event types (the `events:` filter of a notifier uses these names):
 *   renewed          a new certificate was issued              data: { serial, notAfter, reason }
 *   deployed         it reached every target                   data: { serial, targets }
 *   verified         every endpoint serves it                  data: { serial, summary }
 *   failed           a step failed                             data: { step, code, error, attempts }
 *   verify_overdue   deployed, not served past the deadline    data: { serial, deployedAt, deadline, summary? }
 *   expiring_soon    the certificate in use nears its expiry   data: { serial, notAfter, remainingDays }
 *   drift_detected   an endpoint serves something else         data: { expected, mismatches: [{ endpoint, address, served }] }
 *   recovered        Ready again after one of the above        data: { from: [event types], serial? }
 *   drill_failed     a near-expiry drill failed                data: { step, error, failedSteps, simulatedAt, trigger }
 *   drill_recovered  a drill passed after failing              data: { failingSince, trigger }
 *   revoked          `certloop revoke` had the CA revoke one   data: { serial, reason, signedWith, directory, replacement }
 *
 * Watched endpoints (src/watch/, issue 18) raise expiring_soon, drift_detected, failed (step
 * "watch": no address answered) and recovered like certificates, named by the endpoint's name, and:
 *   expired          a watched endpoint serves an expired one  data: { serial, notAfter, addresses }
 *   chain_problem    its served chain fails a check            data: { serial?, problems: [{ check, address, message }] }
 *   changed          it serves another serial than last time   data: { from, to, issuer?, notAfter? }  (information)
 *
 * "Problem" events (failed, verify_overdue, expiring_soon, drift_detected) open a problem for the
 * certificate, remembered in the state store; notifiers repeat them at most once per `renotify`.
 * When the certificate is Ready again with nothing wrong, `settle()` emits `recovered` once and
 * closes the problems, so the next failure is announced immediately.
 *
 * Drills live beside that, not inside it: a failed drill says renewal *would* fail, while the
 * certificate in use may be fine and Ready, so it must not hold back (or be closed by) `recovered`.
 * `drill_failed` is repeated at most once per `renotify` like a problem; `drill_recovered` is its
 * own recovery, emitted once by the next passing drill (src/controller/drill-record.ts).
 *
 * For detectors elsewhere (drift and overdue detection in the verify step):
 *   await emit(ctx, { type: 'drift_detected', message: '…', data: { expected, mismatches } });
 * `ctx` is the CertificateContext (anything with config.name, store, log, now and optional events).
 * emit never throws: a broken store or listener is logged, and the loop goes on.
 *
 * Messages and data never carry key material: serials, names, steps and error descriptions only.
 */
import { describeError } from '../errors.js';
import type { StateStore } from '../state/store.js';
import type { Logger } from './logger.js';
import type { EventType } from './schema.js';

// Declared with the settings (a notifier's `events:` names them); here for everything else.
export { EVENT_TYPES, type EventType } from './schema.js';

export const PROBLEM_EVENTS: readonly EventType[] = ['failed', 'verify_overdue', 'expiring_soon', 'drift_detected', 'expired', 'chain_problem'];

/**
 * Recovery events and the alerts each one ends: a notifier told about one of those hears the
 * recovery, and the alert's renotify throttle starts over.
 */
export const RECOVERY_OF: Partial<Record<EventType, readonly EventType[]>> = {
  recovered: PROBLEM_EVENTS,
  drill_recovered: ['drill_failed'],
};

/** Alert events a notifier repeats at most once per `renotify`: the problems and failed drills. */
export function isThrottled(type: EventType): boolean {
  return isProblem(type) || type === 'drill_failed';
}

export type Severity = 'info' | 'warning' | 'critical';

export interface EventData {
  renewed: { serial: string; notAfter: string; reason: string };
  deployed: { serial: string; targets: string[] };
  verified: { serial: string; summary: string };
  failed: { step: string; code: string; error: string; attempts?: number };
  verify_overdue: { serial: string; deployedAt?: string; deadline?: string; summary?: string };
  expiring_soon: { serial: string; notAfter: string; remainingDays: number };
  drift_detected: { expected: string; mismatches: { endpoint: string; address: string; served?: string }[] };
  recovered: { from: EventType[]; serial?: string };
  /** An order goes to a fallback CA (acme.fallback) because the CA before it kept failing. */
  ca_fallback: { directory: string; fallback: number };
  drill_failed: { step: string; error: string; failedSteps: string[]; simulatedAt: string; trigger: string };
  drill_recovered: { failingSince: string | null; trigger: string };
  /** `replacement`: whether a new certificate is ordered now (false with --no-renew, or for a serial no longer in use). */
  revoked: { serial: string; reason: string; signedWith: string; directory: string; replacement: boolean };
  expired: { serial: string; notAfter: string; addresses: string[] };
  chain_problem: { serial?: string; problems: { check: string; address: string; message: string }[] };
  changed: { from: string; to: string; issuer?: string; notAfter?: string };
}

/** What a detector passes to `emit`. */
export type EventInput = { [K in EventType]: { type: K; message: string; data: EventData[K] } }[EventType];

/** An event as stored, published and sent. This is also the `event` object notifiers deliver. */
export type CertloopEvent = { [K in EventType]: { type: K; certificate: string; at: string; severity: Severity; message: string; data: EventData[K] } }[EventType];

const SEVERITY: Record<EventType, Severity> = {
  renewed: 'info',
  deployed: 'info',
  verified: 'info',
  recovered: 'info',
  failed: 'critical',
  verify_overdue: 'critical',
  drift_detected: 'critical',
  expiring_soon: 'warning',
  ca_fallback: 'warning',
  // Nothing is broken yet: the next renewal would be. Time to fix it is the renewal window.
  drill_failed: 'warning',
  drill_recovered: 'info',
  // Done on purpose by an operator, and a replacement is on its way; notifiers tell everyone else.
  revoked: 'warning',
  expired: 'critical',
  chain_problem: 'critical',
  // The owner renewed it (or someone replaced it): worth knowing, nothing to do.
  changed: 'info',
};

export function isProblem(type: EventType): boolean {
  return PROBLEM_EVENTS.includes(type);
}

export type EventListener = (event: CertloopEvent, ctx: EventContext) => void | Promise<void>;
/** Step progress for the terminal: `step` is decide, issue, deploy, verify or done. */
export type ProgressListener = (certificate: string, step: string, detail?: string) => void;

/**
 * The in-process bus. Listeners run in order and are awaited (the notification dispatcher only
 * decides and queues there; delivery happens in the background), so a slow receiver never holds
 * a certificate's loop. A listener that throws is logged and skipped.
 */
export class EventBus {
  private readonly listeners: EventListener[] = [];
  private readonly progressListeners: ProgressListener[] = [];

  on(listener: EventListener): this {
    this.listeners.push(listener);
    return this;
  }

  onProgress(listener: ProgressListener): this {
    this.progressListeners.push(listener);
    return this;
  }

  async publish(event: CertloopEvent, ctx: EventContext): Promise<void> {
    for (const l of this.listeners) {
      try {
        await l(event, ctx);
      } catch (err) {
        ctx.log.warn({ certificate: event.certificate, event: event.type, err: describeError(err) }, 'an event listener failed');
      }
    }
  }

  progress(certificate: string, step: string, detail?: string): void {
    for (const l of this.progressListeners) {
      try {
        l(certificate, step, detail);
      } catch {
        // Progress is cosmetic; never let it break the loop.
      }
    }
  }
}

/** What emit needs; CertificateContext satisfies it. */
export interface EventContext {
  config: { name: string };
  store: StateStore;
  log: Logger;
  now: () => Date;
  events?: EventBus;
}

/** State-store key of a certificate's open problems (JSON `{ [type]: sinceIso }`). */
export function problemsKey(certificate: string): string {
  return `problems/${certificate}`;
}

/** Record an event in history, open a problem if it is one, and publish it. Never throws. */
export async function emit(ctx: EventContext, input: EventInput): Promise<CertloopEvent> {
  const event = {
    type: input.type,
    certificate: ctx.config.name,
    at: ctx.now().toISOString(),
    severity: SEVERITY[input.type],
    message: input.message,
    data: input.data,
  } as CertloopEvent;
  try {
    await ctx.store.addEvent({ certificate: event.certificate, at: event.at, type: event.type, message: event.message, data: event.data as unknown as Record<string, unknown> });
    if (isProblem(event.type)) {
      const open = await openProblems(ctx);
      if (!open[event.type]) {
        open[event.type] = event.at;
        await ctx.store.setValue(problemsKey(event.certificate), JSON.stringify(open));
      }
    }
  } catch (err) {
    ctx.log.error({ certificate: event.certificate, event: event.type, err: describeError(err) }, 'cannot record the event in the state store');
  }
  await ctx.events?.publish(event, ctx);
  return event;
}

export async function openProblems(ctx: Pick<EventContext, 'store' | 'config'>): Promise<Partial<Record<EventType, string>>> {
  const raw = await ctx.store.getValue(problemsKey(ctx.config.name));
  return raw ? (JSON.parse(raw) as Partial<Record<EventType, string>>) : {};
}

/**
 * The certificate is Ready and nothing is wrong: if problems were open, announce `recovered` once
 * and close them. Called at the end of every reconciliation that ends Ready. Never throws.
 */
export async function settle(ctx: EventContext, serial?: string): Promise<void> {
  let open: Partial<Record<EventType, string>>;
  try {
    open = await openProblems(ctx);
  } catch (err) {
    ctx.log.error({ certificate: ctx.config.name, err: describeError(err) }, 'cannot read open problems from the state store');
    return;
  }
  const from = Object.keys(open) as EventType[];
  if (from.length === 0) return;
  try {
    await ctx.store.setValue(problemsKey(ctx.config.name), undefined);
  } catch (err) {
    ctx.log.error({ certificate: ctx.config.name, err: describeError(err) }, 'cannot close the open problems in the state store');
    return;
  }
  await emit(ctx, { type: 'recovered', message: `${ctx.config.name} is Ready again (was: ${from.join(', ')})`, data: { from, serial } });
}

/** Tell the terminal (if anyone listens) which step a certificate is in. */
export function progress(ctx: { config: { name: string }; events?: EventBus }, step: string, detail?: string): void {
  ctx.events?.progress(ctx.config.name, step, detail);
}

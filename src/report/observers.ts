/**
 * What listens to a run's events, shared by `run`/`renew` and the daemon: metrics, notifiers
 * (from the `notify:` config) and, on a terminal, the progress lines.
 */
import { createNotifier } from '../../providers/registry.js';
import type { LoadedConfig } from '../config/load.js';
import { sourceLabel } from '../config/schema.js';
import { NotificationDispatcher, notifierEntries } from '../notify/dispatch.js';
import { EventBus } from '../observability/events.js';
import type { Logger } from '../observability/logger.js';
import { CertloopMetrics } from '../observability/metrics.js';
import { decide } from '../policy/decide.js';
// The policy lookup controller/run.js's policyFor makes, without loading the controller.
import { resolvedPolicyFor as policyFor } from '../policy/load.js';
import type { StateStore } from '../state/store.js';
import { readWatchDocument } from '../watch/record.js';
import { watchedViews } from '../watch/view.js';

export interface Observers {
  bus: EventBus;
  metrics: CertloopMetrics;
  dispatcher: NotificationDispatcher;
  /** Rebuild the certificate gauges from the store. */
  refreshMetrics(now?: Date): Promise<void>;
}

export function createObservers(config: LoadedConfig, store: StateStore, log: Logger, opts: { processMetrics?: boolean } = {}): Observers {
  // Built with the first event or metrics request: a quiet run has neither (prom-client's load).
  let built: CertloopMetrics | undefined;
  const metrics = () => (built ??= new CertloopMetrics({ processMetrics: opts.processMetrics }));
  const dispatcher = new NotificationDispatcher(notifierEntries(config.notify, createNotifier), {
    store,
    log,
    baseDir: config.baseDir,
    retryDelaysMs: retryDelays(),
    onResult: (notifier, event, result) => metrics().observeNotification(notifier, event, result),
  });
  const bus = new EventBus().on((e) => metrics().observeEvent(e)).on(dispatcher.listener);
  return {
    bus,
    get metrics() {
      return metrics();
    },
    dispatcher,
    refreshMetrics: async (now = new Date()) => {
      await metrics().refresh(config.certificates, store, (cert, record, at) => decide({ record, domains: cert.domains, source: sourceLabel(cert) }, policyFor(cert), at).renewAt, now);
      if (config.watch) metrics().refreshWatch(watchedViews(await readWatchDocument(store), config.watch, now));
    },
  };
}

/** CERTLOOP_NOTIFY_RETRY_MS="100,200" shortens the retry waits (tests); default 0.5 s then 2 s. */
function retryDelays(): number[] | undefined {
  const raw = process.env.CERTLOOP_NOTIFY_RETRY_MS;
  if (!raw) return undefined;
  return raw.split(',').map((s) => Number(s.trim())).filter((n) => Number.isFinite(n) && n >= 0);
}

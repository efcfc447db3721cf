/**
 * `certloop daemon`: the same run as `certloop run`, on an in-process schedule (cron expression),
 * plus a lighter verify pass every `verifyInterval` (drift, overdue deployments) and the near-expiry
 * drill on `drill.schedule` (weekly by default), with /metrics, /healthz and a status page over HTTP.
 * The passes and their timing are in scheduler.ts, the pages in routes.ts; this file starts both
 * and stops them.
 *
 * SIGTERM or SIGINT: no new pass starts, a request to a CA or a post-deploy poll in flight is cut
 * short, the current certificate stops at the next step boundary (everything done so far is
 * stored), leases are released, pending notifications get what is left of the grace period, and
 * the process exits 0, all within `shutdownTimeout`. Past it (a step that would not end) the
 * leases are released and the process exits 1. A second signal exits at once.
 */
import type { LoadedConfig } from '../config/load.js';
import { stagingDirectory } from '../controller/drill.js';
import { releaseHeldLeases } from '../controller/lease.js';
import type { StepHook } from '../controller/step-hook.js';
import type { Logger } from '../observability/logger.js';
import { createObservers } from '../report/observers.js';
import type { StateStore } from '../state/store.js';
import { formatDuration } from '../util/duration.js';
import { startHttpServer } from './http.js';
import { daemonRoutes } from './routes.js';
import { defaultDrillSchedule, defaultSchedule, installationId } from './schedule.js';
import { Scheduler } from './scheduler.js';

export interface DaemonOptions {
  config: LoadedConfig;
  store: StateStore;
  log: Logger;
  /** Overrides config.listen / config.schedule / config.verifyInterval (command-line flags). */
  listen?: string;
  schedule?: string;
  verifyIntervalMs?: number;
  /** Run once right away (default), or only on the schedule. */
  initialRun?: boolean;
  /** Resolves when the daemon should stop (default: SIGTERM or SIGINT). */
  stopSignal?: Promise<string>;
  /** Called at each step boundary of each certificate: test entry points only (controller/step-hook.ts). */
  onStep?: StepHook;
}

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const { config, store, log } = opts;
  const observers = createObservers(config, store, log, { processMetrics: true });
  const installation = await installationId(store);
  const scheduler = new Scheduler({
    config,
    store,
    log,
    events: observers.bus,
    schedule: opts.schedule ?? config.schedule ?? defaultSchedule(installation),
    verifyEveryMs: opts.verifyIntervalMs ?? config.verifyInterval,
    drill: drillPlan(config, installation, log),
    onRun: (summary) => observers.metrics.observeRun(summary),
    onStep: opts.onStep,
  });

  const listen = opts.listen ?? config.listen;
  const { routes, ...access } = daemonRoutes({ config, store, log, observers, scheduler });
  const server = await startHttpServer(listen, routes, log, access);
  if (!/^(127\.|\[::1\]|localhost:)/.test(listen) && !config.statusPage?.auth) {
    log.warn({ listen }, 'the status page and /metrics are reachable beyond loopback without authentication; set statusPage.auth for the page');
  }
  const { schedule, verifyEveryMs, drill } = scheduler.settings;
  log.info(
    { url: server.url, schedule, verifyIntervalMs: verifyEveryMs, nextRun: scheduler.nextRun().toISOString(), drillSchedule: drill.schedule ?? null, nextDrill: scheduler.nextDrill()?.toISOString() ?? null },
    `certloop daemon listening on ${server.url}`,
  );
  scheduler.start(opts.initialRun !== false);

  const why = await (opts.stopSignal ?? waitForSignal());
  const stopBy = Date.now() + config.shutdownTimeout;
  log.info({ signal: why, shutdownTimeoutMs: config.shutdownTimeout }, 'stopping: finishing the current step, then releasing locks');
  const forced = () => {
    log.warn('second signal: exiting now');
    process.exit(1);
  };
  process.once('SIGTERM', forced).once('SIGINT', forced);
  if (!(await scheduler.stop(stopBy - Date.now()))) {
    const count = await releaseHeldLeases(log);
    log.error({ releasedLeases: count }, `the ${scheduler.passInProgress ?? 'current'} pass did not stop within shutdownTimeout (${formatDuration(config.shutdownTimeout)}); leases released, exiting now`);
    process.exit(1);
  }
  await observers.dispatcher.drain(Math.max(0, Math.min(10_000, stopBy - Date.now())));
  await server.close();
  log.info('stopped');
  return 0;
}

/**
 * When the daemon drills: `drill.schedule` or weekly per installation, unless `drill.enabled` is
 * false. Left unset, drills are skipped (with a warning) when there is no staging directory: every
 * drill would fail at its first step, and a weekly alert nobody asked for teaches people to ignore
 * alerts. Set `drill.enabled: true` to be told instead.
 */
export function drillPlan(config: LoadedConfig, installation: string, log: Logger): { schedule?: string; off?: string } {
  const enabled = config.drill?.enabled;
  if (enabled === false) return { off: 'drill.enabled is false' };
  if (enabled === undefined && !stagingDirectory(config)) {
    log.warn('no staging directory (acme.staging), so the daemon does not run the near-expiry drill; set acme.staging, or drill.enabled: false to silence this');
    return { off: 'no staging directory: set acme.staging' };
  }
  return { schedule: config.drill?.schedule ?? defaultDrillSchedule(installation) };
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGTERM', on('SIGTERM'));
    process.once('SIGINT', on('SIGINT'));
  });
}

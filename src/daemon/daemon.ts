/**
 * `certloop daemon`: the same run as `certloop run`, on an in-process schedule (cron expression),
 * plus a lighter verify pass every `verifyInterval` (drift, overdue deployments) and the near-expiry
 * drill on `drill.schedule` (weekly by default), with /metrics, /healthz and a status page over HTTP.
 *
 * One pass at a time: a run or verify tick that comes while a pass is still working is skipped
 * (logged), never queued, so a slow CA cannot pile up runs. A drill tick waits for the pass in
 * progress instead (once): it comes once a week, and skipping it would leave a week unproven. A
 * pass that overruns its deadline (liveness.ts) turns /healthz 503.
 *
 * SIGTERM or SIGINT: no new pass starts, a request to a CA or a post-deploy poll in flight is cut
 * short, the current certificate stops at the next step boundary (everything done so far is
 * stored), leases are released, pending notifications get what is left of the grace period, and
 * the process exits 0, all within `shutdownTimeout`. Past it (a step that would not end) the
 * leases are released and the process exits 1. A second signal exits at once.
 */
import { CronJob } from 'cron';
import { statusOf } from '../cli/commands/status.js';
import { createObservers } from '../cli/observers.js';
import type { LoadedConfig } from '../config/load.js';
import { drillAndRecord, isSkipped } from '../controller/drill-record.js';
import { stagingDirectory, type DrillReport } from '../controller/drill.js';
import { runOnce, type RunSummary } from '../controller/run.js';
import { releaseHeldLeases } from '../controller/lease.js';
import { describeError, Interrupted } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { stateHealth } from '../state/health.js';
import type { StateStore } from '../state/store.js';
import { buildStatusModel } from '../report/model.js';
import { credentialGate, statusPageHandler } from '../report/http.js';
import { formatDuration } from '../util/duration.js';
import { setLongInterval } from '../util/timers.js';
import { startHttpServer, type Route } from './http.js';
import { passDeadlineMs, PassWatch, type PassKind } from './liveness.js';
import { defaultDrillSchedule, defaultSchedule, installationId } from './schedule.js';

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
}

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const { config, store, log } = opts;
  const observers = createObservers(config, store, log, { processMetrics: true });
  const schedule = opts.schedule ?? config.schedule ?? defaultSchedule(await installationId(store));
  const verifyEvery = opts.verifyIntervalMs ?? config.verifyInterval;
  const drill = drillPlan(config, await installationId(store), log);
  const abort = new AbortController();
  const startedAt = new Date();
  let current: Promise<void> | undefined;
  let lastRun: RunSummary | undefined;
  let lastVerify: RunSummary | undefined;
  let currentKind: PassKind | undefined;
  let drillWaiting = false;
  const watch = new PassWatch();

  const pass = (kind: PassKind): void => {
    if (abort.signal.aborted) return;
    if (current) {
      if (kind === 'drill' && currentKind !== 'drill' && !drillWaiting) {
        log.info({ pass: kind }, 'the drill waits for the pass in progress');
        drillWaiting = true;
        return;
      }
      // A pass past its deadline is a hang, not a slow pass: said loudly on every skipped tick.
      const overrun = watch.overrun();
      if (overrun) log.error({ pass: kind, busy: watch.describe() }, `skipping this ${kind} pass: ${overrun}`);
      else log.info({ pass: kind, busy: watch.describe() }, 'the previous pass is still working; skipping this one');
      return;
    }
    currentKind = kind;
    watch.start(kind, passDeadlineMs(config, kind));
    current = (async () => {
      log.info({ pass: kind }, { run: 'scheduled run starting', verify: 'verify pass starting', drill: 'scheduled drill starting' }[kind]);
      // A state file deleted under us is written back; one replaced cannot be used (state/health.ts).
      if (!(await stateHealth(store, log)).ok) return;
      if (kind === 'drill') return drillPass();
      try {
        const summary = await runOnce({ config, store, log, events: observers.bus, signal: abort.signal, verifyOnly: kind === 'verify' });
        if (kind === 'run') {
          lastRun = summary;
          observers.metrics.observeRun(summary);
        } else lastVerify = summary;
        log.info({ pass: kind, ...summary.counts, durationMs: summary.durationMs }, `${kind === 'run' ? 'run' : 'verify pass'} finished`);
      } catch (err) {
        log.error({ pass: kind, err: describeError(err) }, `${kind} pass failed`);
      }
    })().finally(() => {
      watch.finish();
      current = undefined;
      currentKind = undefined;
      if (drillWaiting) {
        drillWaiting = false;
        pass('drill');
      }
    });
  };

  // Watched endpoints (issue 18) on their own timer, beside the passes: a sweep touches no
  // certificate, so a long run must not hold it back an interval, nor it a run.
  let sweeping: Promise<void> | undefined;
  const watchPass = (): void => {
    if (abort.signal.aborted || !config.watch) return;
    if (sweeping) {
      log.info({ pass: 'watch' }, 'the previous watch sweep is still working; skipping this one');
      return;
    }
    sweeping = (async () => {
      try {
        const { sweep } = await import('../watch/sweep.js');
        const r = await sweep({ watch: config.watch!, store, log, events: observers.bus, signal: abort.signal });
        log.info({ pass: 'watch', ...r.counts, durationMs: r.durationMs }, 'watch sweep finished');
      } catch (err) {
        log.error({ pass: 'watch', err: describeError(err) }, 'watch sweep failed');
      }
    })().finally(() => (sweeping = undefined));
  };

  async function drillPass(): Promise<void> {
    try {
      const results = await drillAndRecord({ config, store, log, certificates: config.certificates, trigger: 'daemon', events: observers.bus, signal: abort.signal });
      const reports = results.filter((r): r is DrillReport => !isSkipped(r));
      const failed = reports.filter((r) => !r.passed).map((r) => r.name);
      log[failed.length ? 'warn' : 'info'](
        { pass: 'drill', drilled: reports.length, failed, skipped: results.length - reports.length },
        failed.length ? `drill finished: ${failed.join(', ')} failed` : 'drill finished',
      );
    } catch (err) {
      log.error({ pass: 'drill', err: describeError(err) }, 'drill pass failed');
    }
  }

  // The route table: one line per page.
  // Credentials are checked once, by the server, for every page but the open ones (issue 16).
  const gate = credentialGate(config.statusPage?.auth, log);
  const statusPage = statusPageHandler({
    load: () => buildStatusModel(config, store, new Date()),
    log,
    refreshSeconds: config.statusPage?.refresh === undefined ? undefined : Math.round(config.statusPage.refresh / 1000),
  });
  const routes: Record<string, Route> = {
    '/metrics': async () => {
      await observers.refreshMetrics();
      return { contentType: observers.metrics.contentType, body: await observers.metrics.text() };
    },
    '/healthz': async () => {
      // Liveness: the loop is up (no pass past its deadline) and the state store answers.
      // Certificate problems are not a reason to restart the process; they are in /metrics and
      // in notifications.
      if (abort.signal.aborted) return { status: 503, body: 'shutting down\n' };
      const overrun = watch.overrun();
      if (overrun) return { status: 503, body: `unhealthy: ${overrun}\n` };
      const state = await stateHealth(store, log);
      if (!state.ok) return { status: 503, body: `${state.message}\n` };
      try {
        await store.list();
      } catch (err) {
        return { status: 503, body: `unhealthy: the state store does not answer: ${describeError(err)}\n` };
      }
      return { body: 'ok\n' };
    },
    '/': { raw: statusPage },
    '/index.html': { raw: statusPage },
    '/summary.txt': () => textSummary(),
  };

  async function textSummary() {
    const now = new Date();
    const lines = [`certloop daemon since ${startedAt.toISOString()}; schedule "${schedule}", verify every ${Math.round(verifyEvery / 1000)}s`];
    lines.push(`next run ${job.nextDate().toJSDate().toISOString()}; last run ${lastRun ? `${lastRun.startedAt} (exit ${lastRun.exitCode})` : 'none yet'}; last verify ${lastVerify?.startedAt ?? 'none yet'}`);
    lines.push(drillJob ? `drills "${drill.schedule}", next ${drillJob.nextDate().toJSDate().toISOString()}` : `drills off (${drill.off})`);
    for (const cert of config.certificates) {
      const s = statusOf(cert, await store.get(cert.name), now);
      lines.push(`${s.name}  ${s.state}  deployed ${s.serials.deployed ?? '-'}  expires ${s.notAfter ?? '-'}  next ${s.next.action}: ${s.next.message}`);
    }
    return { body: `${lines.join('\n')}\n` };
  }

  const server = await startHttpServer(opts.listen ?? config.listen, routes, log, { gate, open: ['/healthz', '/metrics'] });
  const listen = opts.listen ?? config.listen;
  if (!/^(127\.|\[::1\]|localhost:)/.test(listen) && !config.statusPage?.auth) {
    log.warn({ listen }, 'the status page and /metrics are reachable beyond loopback without authentication; set statusPage.auth for the page');
  }
  const job = CronJob.from({ cronTime: schedule, onTick: () => pass('run'), start: true });
  const drillJob = drill.schedule ? CronJob.from({ cronTime: drill.schedule, onTick: () => pass('drill'), start: true }) : undefined;
  // Chained: a verifyInterval above Node's timer limit (~24.8 days) would fire every millisecond.
  const verifyTimer = setLongInterval(() => pass('verify'), verifyEvery);
  log.info(
    { url: server.url, schedule, verifyIntervalMs: verifyEvery, nextRun: job.nextDate().toJSDate().toISOString(), drillSchedule: drill.schedule ?? null, nextDrill: drillJob?.nextDate().toJSDate().toISOString() ?? null },
    `certloop daemon listening on ${server.url}`,
  );
  const watchTimer = config.watch ? setLongInterval(watchPass, config.watch.interval) : undefined;
  if (opts.initialRun !== false) {
    pass('run');
    watchPass();
  }

  const why = await (opts.stopSignal ?? waitForSignal());
  const stopBy = Date.now() + config.shutdownTimeout;
  log.info({ signal: why, shutdownTimeoutMs: config.shutdownTimeout }, 'stopping: finishing the current step, then releasing locks');
  abort.abort(new Interrupted());
  job.stop();
  drillJob?.stop();
  verifyTimer.cancel();
  watchTimer?.cancel();
  const forced = () => {
    log.warn('second signal: exiting now');
    process.exit(1);
  };
  process.once('SIGTERM', forced).once('SIGINT', forced);
  if (!(await within(Promise.all([current, sweeping]), stopBy - Date.now()))) {
    const count = await releaseHeldLeases(log);
    log.error({ releasedLeases: count }, `the ${currentKind ?? 'current'} pass did not stop within shutdownTimeout (${formatDuration(config.shutdownTimeout)}); leases released, exiting now`);
    process.exit(1);
  }
  await observers.dispatcher.drain(Math.max(0, Math.min(10_000, stopBy - Date.now())));
  await server.close();
  log.info('stopped');
  return 0;
}

/** Whether `work` settled within `ms`. */
async function within(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!work) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
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

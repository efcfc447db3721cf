/**
 * `certloop daemon`: the same run as `certloop run`, on an in-process schedule (cron expression),
 * plus a lighter verify pass every `verifyInterval` (drift, overdue deployments), with /metrics,
 * /healthz and a status page over HTTP.
 *
 * One pass at a time: a tick that comes while a pass is still working is skipped (logged), never
 * queued, so a slow CA cannot pile up runs. SIGTERM or SIGINT: no new pass starts, the current one
 * stops at the next step boundary (everything done so far is stored), leases are released, pending
 * notifications get a short grace period, and the process exits 0. A second signal exits at once.
 */
import { CronJob } from 'cron';
import { statusOf } from '../cli/commands/status.js';
import { createObservers } from '../cli/observers.js';
import type { LoadedConfig } from '../config/load.js';
import { runOnce, type RunSummary } from '../controller/run.js';
import { describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { StateStore } from '../state/store.js';
import { buildStatusModel } from '../report/model.js';
import { statusPageHandler } from '../report/http.js';
import { startHttpServer, type Route } from './http.js';
import { defaultSchedule, installationId } from './schedule.js';

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

type PassKind = 'run' | 'verify';

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const { config, store, log } = opts;
  const observers = createObservers(config, store, log, { processMetrics: true });
  const schedule = opts.schedule ?? config.schedule ?? defaultSchedule(await installationId(store));
  const verifyEvery = opts.verifyIntervalMs ?? config.verifyInterval;
  const abort = new AbortController();
  const startedAt = new Date();
  let current: Promise<void> | undefined;
  let lastRun: RunSummary | undefined;
  let lastVerify: RunSummary | undefined;

  const pass = (kind: PassKind): void => {
    if (abort.signal.aborted) return;
    if (current) {
      log.info({ pass: kind }, 'the previous pass is still working; skipping this one');
      return;
    }
    current = (async () => {
      log.info({ pass: kind }, kind === 'run' ? 'scheduled run starting' : 'verify pass starting');
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
      current = undefined;
    });
  };

  // The route table: one line per page.
  const statusPage = statusPageHandler({
    load: () => buildStatusModel(config, store, new Date()),
    auth: config.statusPage?.auth,
    log,
    refreshSeconds: config.statusPage?.refresh === undefined ? undefined : Math.round(config.statusPage.refresh / 1000),
  });
  const routes: Record<string, Route> = {
    '/metrics': async () => {
      await observers.refreshMetrics();
      return { contentType: observers.metrics.contentType, body: await observers.metrics.text() };
    },
    '/healthz': async () => {
      // Liveness: the loop is up and the state store answers. Certificate problems are not a
      // reason to restart the process; they are in /metrics and in notifications.
      if (abort.signal.aborted) return { status: 503, body: 'shutting down\n' };
      await store.list();
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
    for (const cert of config.certificates) {
      const s = statusOf(cert, await store.get(cert.name), now);
      lines.push(`${s.name}  ${s.state}  deployed ${s.serials.deployed ?? '-'}  expires ${s.notAfter ?? '-'}  next ${s.next.action}: ${s.next.message}`);
    }
    return { body: `${lines.join('\n')}\n` };
  }

  const server = await startHttpServer(opts.listen ?? config.listen, routes, log);
  const listen = opts.listen ?? config.listen;
  if (!/^(127\.|\[::1\]|localhost:)/.test(listen) && !config.statusPage?.auth) {
    log.warn({ listen }, 'the status page and /metrics are reachable beyond loopback without authentication; set statusPage.auth for the page');
  }
  const job = CronJob.from({ cronTime: schedule, onTick: () => pass('run'), start: true });
  const verifyTimer = setInterval(() => pass('verify'), verifyEvery);
  log.info({ url: server.url, schedule, verifyIntervalMs: verifyEvery, nextRun: job.nextDate().toJSDate().toISOString() }, `certloop daemon listening on ${server.url}`);
  if (opts.initialRun !== false) pass('run');

  const why = await (opts.stopSignal ?? waitForSignal());
  log.info({ signal: why }, 'stopping: finishing the current step, then releasing locks');
  abort.abort();
  job.stop();
  clearInterval(verifyTimer);
  const forced = () => {
    log.warn('second signal: exiting now');
    process.exit(1);
  };
  process.once('SIGTERM', forced).once('SIGINT', forced);
  await current;
  await observers.dispatcher.drain(10_000);
  await server.close();
  log.info('stopped');
  return 0;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGTERM', on('SIGTERM'));
    process.once('SIGINT', on('SIGINT'));
  });
}

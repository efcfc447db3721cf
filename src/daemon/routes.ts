/**
 * What the daemon serves over HTTP, one line per page: /metrics for Prometheus, /healthz for a
 * liveness probe, the status page at / (report/), and a plain-text summary. The server
 * (http.ts) checks credentials (statusPage.auth) for every page but the open ones, which probes
 * and scrapers reach without (issue 16).
 */
import type { LoadedConfig } from '../config/load.js';
import { describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { credentialGate, statusPageHandler } from '../report/http.js';
import { buildStatusModel } from '../report/model.js';
import type { Observers } from '../report/observers.js';
import { statusOf } from '../report/status.js';
import { stateHealth } from '../state/health.js';
import type { StateStore } from '../state/store.js';
import type { HttpServerOptions, Route } from './http.js';
import type { Scheduler } from './scheduler.js';

export interface RoutesOptions {
  config: LoadedConfig;
  store: StateStore;
  log: Logger;
  observers: Observers;
  scheduler: Scheduler;
}

/** Paths a probe or a scraper reaches without credentials. */
export const OPEN_PATHS = ['/healthz', '/metrics'];

export function daemonRoutes(opts: RoutesOptions): { routes: Record<string, Route> } & Required<HttpServerOptions> {
  const { config, store, log, observers, scheduler } = opts;
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
    '/healthz': () => health(store, log, scheduler),
    '/': { raw: statusPage },
    '/index.html': { raw: statusPage },
    '/summary.txt': () => textSummary(opts),
  };
  return { routes, gate: credentialGate(config.statusPage?.auth, log), open: OPEN_PATHS };
}

/**
 * Liveness: the loop is up (no pass past its deadline) and the state store answers. Certificate
 * problems are not a reason to restart the process; they are in /metrics and in notifications.
 */
async function health(store: StateStore, log: Logger, scheduler: Scheduler) {
  if (scheduler.stopping) return { status: 503, body: 'shutting down\n' };
  const overrun = scheduler.overrun();
  if (overrun) return { status: 503, body: `unhealthy: ${overrun}\n` };
  const state = await stateHealth(store, log);
  if (!state.ok) return { status: 503, body: `${state.message}\n` };
  try {
    await store.list();
  } catch (err) {
    return { status: 503, body: `unhealthy: the state store does not answer: ${describeError(err)}\n` };
  }
  return { body: 'ok\n' };
}

async function textSummary({ config, store, scheduler }: RoutesOptions) {
  const now = new Date();
  const { schedule, verifyEveryMs, drill } = scheduler.settings;
  const { lastRun, lastVerify } = scheduler;
  const nextDrill = scheduler.nextDrill();
  const lines = [`certloop daemon since ${scheduler.startedAt.toISOString()}; schedule "${schedule}", verify every ${Math.round(verifyEveryMs / 1000)}s`];
  lines.push(`next run ${scheduler.nextRun().toISOString()}; last run ${lastRun ? `${lastRun.startedAt} (exit ${lastRun.exitCode})` : 'none yet'}; last verify ${lastVerify?.startedAt ?? 'none yet'}`);
  lines.push(nextDrill ? `drills "${drill.schedule}", next ${nextDrill.toISOString()}` : `drills off (${drill.off})`);
  for (const cert of config.certificates) {
    const s = statusOf(cert, await store.get(cert.name), now);
    lines.push(`${s.name}  ${s.state}  deployed ${s.serials.deployed ?? '-'}  expires ${s.notAfter ?? '-'}  next ${s.next.action}: ${s.next.message}`);
  }
  return { body: `${lines.join('\n')}\n` };
}

/**
 * Drills as a routine: run the near-expiry drill for each certificate under its lease, keep the
 * result (src/state/drill-result.ts) and announce changes. The same code serves the daemon's
 * `drill.schedule` and `certloop drill` by hand, so `status` shows the last drill whichever way
 * it ran, and a failure seen by hand is recovered by the next scheduled pass (and vice versa).
 *
 * Events: every failing drill emits `drill_failed` (notifiers repeat it at most once per
 * `renotify`); the first passing drill after a failure emits `drill_recovered`, once.
 */
import { randomBytes } from 'node:crypto';
import type { LoadedConfig } from '../config/load.js';
import type { CertificateConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import { emit, type EventBus } from '../observability/events.js';
import type { Logger } from '../observability/logger.js';
import { readLastDrill, writeLastDrill, type DrillResult } from '../state/drill-result.js';
import type { StateStore } from '../state/store.js';
import { drillCertificate, type DrillReport } from './drill.js';
import { acquireLease, holding, leaseOwner, released } from './lease.js';

export interface DrillRunOptions {
  config: LoadedConfig;
  store: StateStore;
  log: Logger;
  certificates: CertificateConfig[];
  trigger: DrillResult['trigger'];
  events?: EventBus;
  /** Simulated time (`certloop drill --at`); default: each certificate's renewal time. */
  at?: Date;
  /** Stops before the next certificate (daemon shutdown). */
  signal?: AbortSignal;
  now?: () => Date;
}

/** A certificate another process is working on: not drilled, nothing recorded. */
export interface DrillSkipped {
  name: string;
  skipped: string;
}

// Long enough for a slow staging CA; the lease is released as soon as the drill ends.
const DRILL_LOCK_TTL_MS = 10 * 60_000;

export async function drillAndRecord(opts: DrillRunOptions): Promise<(DrillReport | DrillSkipped)[]> {
  const { store, log } = opts;
  const now = opts.now ?? (() => new Date());
  const owner = leaseOwner(`drill-${randomBytes(4).toString('hex')}`);
  const out: (DrillReport | DrillSkipped)[] = [];
  // One at a time: drills share the challenge listener and are not in a hurry.
  for (const cert of opts.certificates) {
    if (opts.signal?.aborted) break;
    // Nothing to drill: certloop does not issue a certificate with a source (controller/source.ts).
    if (cert.source) {
      log.info({ certificate: cert.name }, 'not drilling: certloop does not issue this certificate (it has a source)');
      continue;
    }
    // Under the certificate's lease: a run working on it at the same moment would compete for the
    // http-01 port and the staging account; the drill waits for the next schedule instead.
    const lease = await acquireLease(store, cert.name, owner, DRILL_LOCK_TTL_MS, log);
    if (!lease) {
      log.info({ certificate: cert.name }, 'another certloop process is working on this certificate; not drilling it now');
      out.push({ name: cert.name, skipped: 'another certloop process holds the lock' });
      continue;
    }
    holding(lease);
    try {
      const report = await drillCertificate({ config: opts.config, cert, store, log, at: opts.at, now });
      await recordDrill({ store, log, events: opts.events, now, certificate: cert.name, trigger: opts.trigger }, report);
      out.push(report);
    } finally {
      released(lease);
      await lease.release().catch((err: unknown) => log.warn({ certificate: cert.name, err: describeError(err) }, 'cannot release the lock'));
    }
  }
  return out;
}

export function isSkipped(r: DrillReport | DrillSkipped): r is DrillSkipped {
  return 'skipped' in r;
}

interface RecordContext {
  store: StateStore;
  log: Logger;
  events?: EventBus;
  now: () => Date;
  certificate: string;
  trigger: DrillResult['trigger'];
}

/** Keep the result and announce a failure or a recovery. Never throws: the drill already ran. */
export async function recordDrill(ctx: RecordContext, report: DrillReport): Promise<DrillResult> {
  const { store, log, certificate } = ctx;
  const at = ctx.now().toISOString();
  const previous = await readLastDrill(store, certificate).catch((err: unknown) => {
    log.warn({ certificate, err: describeError(err) }, 'cannot read the last drill result');
    return undefined;
  });
  const failed = report.steps.filter((s) => s.status === 'fail');
  const result: DrillResult = {
    at,
    passed: report.passed,
    failedStep: failed[0]?.step ?? null,
    reason: failed[0]?.message ?? null,
    failedSteps: failed.map((s) => s.step),
    simulatedAt: report.at,
    trigger: ctx.trigger,
    failingSince: report.passed ? null : previous && !previous.passed ? (previous.failingSince ?? previous.at) : at,
  };
  try {
    await writeLastDrill(store, certificate, result);
  } catch (err) {
    log.error({ certificate, err: describeError(err) }, 'cannot record the drill result in the state store');
  }
  const ectx = { config: { name: certificate }, store, log, now: ctx.now, events: ctx.events };
  if (!report.passed) {
    const reasons = failed.map((s) => `${s.step}: ${s.message}`).join('; ');
    await emit(ectx, {
      type: 'drill_failed',
      message: `the near-expiry drill of ${certificate} failed (renewal at ${report.at} would not complete): ${reasons}`,
      data: { step: result.failedStep ?? 'unknown', error: result.reason ?? '', failedSteps: result.failedSteps, simulatedAt: report.at, trigger: ctx.trigger },
    });
  } else if (previous && !previous.passed) {
    await emit(ectx, {
      type: 'drill_recovered',
      message: `the near-expiry drill of ${certificate} passes again (failing since ${previous.failingSince ?? previous.at})`,
      data: { failingSince: previous.failingSince ?? previous.at, trigger: ctx.trigger },
    });
  }
  return result;
}

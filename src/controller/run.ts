/**
 * One run: a reconciliation pass over the configured certificates, a bounded number at a time.
 * The same code serves `run`, `renew`, the daemon and drills.
 */
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { CaEndpoint } from '../acme/ca-selection.js';
import { RenewalInfoClient } from '../acme/renewal-info.js';
import { configureAcmeTimeouts } from '../acme/timeouts.js';
import { trustAcmeServer } from '../acme/trust.js';
import type { LoadedConfig } from '../config/load.js';
import type { CertificateConfig } from '../config/schema.js';
import { CertloopError, describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { RenewalPolicy } from '../policy/types.js';
import { resolvedPolicyFor } from '../policy/load.js';
import type { StateStore } from '../state/store.js';
import { createCertificateSource, createSolver, createTarget } from '../../providers/registry.js';
import { DEFAULT_PROBE_CONCURRENCY } from '../verify/verify.js';
import type { Recheck } from '../verify/freshness.js';
import { emit, type EventBus } from '../observability/events.js';
import type { CertificateContext, CertificateOutcome } from './certificate.js';
import { freshOutcome, freshnessViews, RenewalInfoOffers } from './fresh.js';
import { acquireLease, holding, leaseOwner, released } from './lease.js';
import { inShard, type Shard } from './shard.js';
import type { StepHook } from './step-hook.js';

export interface RunOptions {
  config: LoadedConfig;
  store: StateStore;
  log: Logger;
  /** Only these certificates (manual renew); all when absent. */
  names?: string[];
  /** Only the certificates of this shard (`run --shard I/N`); see shard.ts. */
  shard?: Shard;
  force?: boolean;
  /** `renew --ca`: order only from this configured CA (no failover). */
  ca?: CaEndpoint;
  now?: () => Date;
  /** Called as each certificate finishes (terminal progress). */
  onOutcome?: (o: CertificateOutcome) => void;
  /** Events of this run go here (notifiers, metrics, progress). */
  events?: EventBus;
  /** Aborted on shutdown: certificates not started are skipped, started ones stop at a step boundary. */
  signal?: AbortSignal;
  /** Only re-verify what is deployed (the daemon's verify interval); never contacts the CA. */
  verifyOnly?: boolean;
  /** `due`: skip certificates with nothing to do whose endpoints were checked within the policy's recheckInterval (fresh.ts). Default `all`. */
  recheck?: Recheck;
  /** Called at each step boundary of each certificate: test entry points only (step-hook.ts). */
  onStep?: StepHook;
}

export interface RunSummary {
  startedAt: string;
  durationMs: number;
  certificates: CertificateOutcome[];
  counts: { total: number; renewed: number; deployed: number; verified: number; pending: number; failed: number; waiting: number; locked: number; alerting: number; fresh: number };
  exitCode: 0 | 1;
}

const LOCK_TTL_MS = 10 * 60_000;

export async function runOnce(opts: RunOptions): Promise<RunSummary> {
  const { config, store, log } = opts;
  const now = opts.now ?? (() => new Date());
  const started = Date.now();
  const owner = leaseOwner(randomBytes(4).toString('hex'));
  const selected = (opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates).filter(
    (c) => !opts.shard || inShard(c.name, opts.shard),
  );

  // Everything that talks to the CA (orders, ARI renewalInfo) shares this trust; a verify pass
  // never talks to the CA and must not fail on its trust settings.
  if (!opts.verifyOnly) trustAcmeServer(config.acme.caBundle);
  configureAcmeTimeouts(config.acme);
  const acmeClient = () => import('../acme/client.js').then(({ accountClient }) => accountClient({ directory: config.acme.directory, email: config.acme.email, store }));
  const limit = pLimit(config.concurrency);
  // One bound on TLS probes for the whole run, however many certificates verify at once.
  const probeLimit = pLimit(DEFAULT_PROBE_CONCURRENCY);

  // This run's questions to the CA about renewal windows (ARI), with its clock and its randomness;
  // what it learns about the CA's directory expires (acme/directory.ts), and the next run asks anew.
  const renewalInfo = new RenewalInfoClient({ now, random: Math.random });
  // `--recheck due`: certificates with nothing to do are answered from their freshness views.
  const quiet = opts.recheck === 'due' && !opts.force && !opts.verifyOnly ? { views: freshnessViews(store), offers: new RenewalInfoOffers(store, renewalInfo) } : undefined;
  const outcomes = await Promise.all(
    selected.map((cert) =>
      limit(async () => {
        if (opts.signal?.aborted) return notStarted(cert);
        if (quiet) {
          const fresh = await freshOutcome(quiet.offers, await quiet.views(cert.name), cert, policyFor(cert), config.acme.directory, now());
          if (fresh) {
            opts.onOutcome?.(fresh);
            return fresh;
          }
        }
        // Loaded by the first certificate that needs more than its freshness view: a quiet
        // `--recheck due` run never loads the verification, ACME and provider code.
        const [{ reconcileCertificate, verifyOnly }, { caEndpoints, caFailover }] = await Promise.all([import('./certificate.js'), import('../acme/ca-selection.js')]);
        // A certificate from a source: read it and verify, on every kind of pass (controller/source.ts).
        const work = cert.source ? (await import('./source.js')).reconcileFromSource : opts.verifyOnly ? verifyOnly : reconcileCertificate;
        const outcome = await withLock(store, cert, owner, log, () =>
          work({
            ...certificateContext(config, cert, store, log, now),
            acmeClient,
            renewalInfo,
            force: opts.force,
            ca: caFailover({
              endpoints: caEndpoints(config.acme),
              store,
              log,
              policy: policyFor(cert),
              certificate: cert.name,
              failoverAfter: config.acme.failoverAfter,
              now,
              only: opts.ca,
              announce: (message, data) => emit({ config: cert, store, log, now, events: opts.events }, { type: 'ca_fallback', message, data }),
            }),
            probeLimit,
            recheck: opts.recheck,
            events: opts.events,
            signal: opts.signal,
            onStep: opts.onStep,
          }),
        );
        opts.onOutcome?.(outcome);
        return outcome;
      }),
    ),
  );

  const counts = {
    total: outcomes.length,
    renewed: outcomes.filter((o) => o.renewed).length,
    deployed: outcomes.filter((o) => o.deployed).length,
    verified: outcomes.filter((o) => o.verification?.verified).length,
    pending: outcomes.filter((o) => o.verdict === 'pending').length,
    failed: outcomes.filter((o) => o.verdict === 'failed').length,
    waiting: outcomes.filter((o) => o.verdict === 'waiting').length,
    locked: outcomes.filter((o) => o.decision.reason === 'Locked').length,
    /** Certificates with an alert: drift, overdue, or a problem with what is served. */
    alerting: outcomes.filter((o) => (o.alerts?.length ?? 0) > 0).length,
    /** Verified by a check within the recheck interval, not probed by this run (`--recheck due`). */
    fresh: outcomes.filter((o) => o.verification?.fresh).length,
  };
  // Pending within its verify deadline is not a failure (servers reload on their own schedule);
  // overdue, drift and served-certificate problems are, through `alerting`.
  const exitCode = counts.failed + counts.waiting + counts.alerting > 0 ? 1 : 0;
  return { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, certificates: outcomes, counts, exitCode };
}

/** The certificate's renewal policy, resolved once when the config was loaded (policies/*.yaml + overrides). */
/**
 * What every per-certificate operation (run, verify, rollback, drill) needs, built one way. The
 * CA client defaults to one that refuses: only a run that may order passes its own.
 */
export function certificateContext(config: LoadedConfig, cert: CertificateConfig, store: StateStore, log: Logger, now: () => Date = () => new Date()): CertificateContext {
  return {
    config: cert,
    policy: policyFor(cert),
    store,
    log,
    baseDir: config.baseDir,
    directory: config.acme.directory,
    acmeProfile: config.acme.profile,
    now,
    acmeClient: () => Promise.reject(new Error(`${cert.name}: this command does not talk to the CA`)),
    solver: () =>
      cert.challenge
        ? createSolver(cert.challenge, cert.name)
        : Promise.reject(new CertloopError('USAGE', `${cert.name} has no challenge: certloop does not issue a certificate with a source`, { certificate: cert.name, retryable: false })),
    targets: () => Promise.all((cert.targets ?? []).map((t) => createTarget(t, cert.name))),
    source: cert.source ? () => createCertificateSource(cert.source!, cert.name) : undefined,
  };
}

export function policyFor(cert: CertificateConfig): RenewalPolicy {
  return resolvedPolicyFor(cert);
}

/**
 * Holds the certificate's lease while working and renews it, so two processes over the same state
 * never work on one certificate at once. A certificate someone else holds is skipped, not failed.
 */
export async function withLock(
  store: StateStore,
  cert: CertificateConfig,
  owner: string,
  log: Logger,
  work: () => Promise<CertificateOutcome>,
): Promise<CertificateOutcome> {
  const lease = await acquireLease(store, cert.name, owner, LOCK_TTL_MS, log);
  if (!lease) {
    log.info({ certificate: cert.name }, 'another certloop process is working on this certificate; skipping it');
    return {
      name: cert.name,
      decision: { action: 'none', reason: 'Locked', message: 'another certloop process holds the lock' },
      verdict: 'ready',
      renewed: false,
      deployed: false,
    };
  }
  const timer = setInterval(() => {
    lease.renew(LOCK_TTL_MS).catch((err: unknown) => log.warn({ certificate: cert.name, err: describeError(err) }, 'cannot renew the lock'));
  }, store.leaseRenewMs ?? LOCK_TTL_MS / 3); // short-lease stores (Azure Blob: ≤60 s) say how often
  timer.unref();
  holding(lease);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    released(lease);
    await lease.release().catch((err: unknown) => log.warn({ certificate: cert.name, err: describeError(err) }, 'cannot release the lock'));
  }
}

function notStarted(cert: CertificateConfig): CertificateOutcome {
  return {
    name: cert.name,
    decision: { action: 'none', reason: 'ShuttingDown', message: 'not started: certloop is shutting down; the next run picks it up' },
    verdict: 'ready',
    renewed: false,
    deployed: false,
  };
}

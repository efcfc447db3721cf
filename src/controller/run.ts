/**
 * One run: a reconciliation pass over the configured certificates, a bounded number at a time.
 * The same code serves `run`, `renew`, the daemon and drills.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pLimit from 'p-limit';
import { accountClient, trustAcmeServer } from '../acme/client.js';
import type { LoadedConfig } from '../config/load.js';
import type { CertificateConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { DEFAULT_POLICY, type RenewalPolicy } from '../policy/decide.js';
import type { StateStore } from '../state/store.js';
import { createSolver, createTarget } from '../../providers/registry.js';
import { reconcileCertificate, type CertificateOutcome } from './certificate.js';
import { inShard, type Shard } from './shard.js';

export interface RunOptions {
  config: LoadedConfig;
  store: StateStore;
  log: Logger;
  /** Only these certificates (manual renew); all when absent. */
  names?: string[];
  /** Only the certificates of this shard (`run --shard I/N`); see shard.ts. */
  shard?: Shard;
  force?: boolean;
  now?: () => Date;
  /** Called as each certificate finishes (terminal progress). */
  onOutcome?: (o: CertificateOutcome) => void;
}

export interface RunSummary {
  startedAt: string;
  durationMs: number;
  certificates: CertificateOutcome[];
  counts: { total: number; renewed: number; deployed: number; verified: number; pending: number; failed: number; waiting: number; locked: number };
  exitCode: 0 | 1;
}

const LOCK_TTL_MS = 10 * 60_000;

export async function runOnce(opts: RunOptions): Promise<RunSummary> {
  const { config, store, log } = opts;
  const now = opts.now ?? (() => new Date());
  const started = Date.now();
  const owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const selected = (opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates).filter(
    (c) => !opts.shard || inShard(c.name, opts.shard),
  );

  trustAcmeServer(config.acme.caBundle);
  const acmeClient = () => accountClient({ directory: config.acme.directory, email: config.acme.email, store });
  const limit = pLimit(config.concurrency);

  const outcomes = await Promise.all(
    selected.map((cert) =>
      limit(async () => {
        const outcome = await withLock(store, cert, owner, log, () =>
          reconcileCertificate({
            config: cert,
            policy: policyFor(cert),
            store,
            log,
            baseDir: config.baseDir,
            directory: config.acme.directory,
            now,
            acmeClient,
            solver: () => createSolver(cert.challenge, cert.name),
            targets: () => Promise.all(cert.targets.map((t) => createTarget(t, cert.name))),
            force: opts.force,
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
  };
  const exitCode = counts.pending + counts.failed + counts.waiting > 0 ? 1 : 0;
  return { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, certificates: outcomes, counts, exitCode };
}

export function policyFor(_cert: CertificateConfig): RenewalPolicy {
  return DEFAULT_POLICY;
}

/**
 * Holds the certificate's lease while working and renews it, so two processes over the same state
 * never work on one certificate at once. A certificate someone else holds is skipped, not failed.
 */
async function withLock(
  store: StateStore,
  cert: CertificateConfig,
  owner: string,
  log: Logger,
  work: () => Promise<CertificateOutcome>,
): Promise<CertificateOutcome> {
  const lease = await store.acquireLock(cert.name, owner, LOCK_TTL_MS);
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
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await lease.release().catch((err: unknown) => log.warn({ certificate: cert.name, err: describeError(err) }, 'cannot release the lock'));
  }
}

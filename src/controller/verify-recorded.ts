/**
 * `certloop verify NAME`: probe now and record the result under the certificate's lease, like the
 * daemon's verify pass, so it never writes a record a run is working on (which made the run's next
 * write fail) nor fails because the run wrote first: `verify` beside a `run` failed 6 times in 15
 * with "state of c0 changed underneath" (issue 16, item 9).
 *
 * While another process holds the lease the endpoints are still probed and reported, but nothing
 * is recorded: that process verifies and records itself. A version conflict under our own lease
 * (a lease that expired mid-probe, a writer that ignores leases) is retried with the record read
 * again, a few times.
 */
import { randomBytes } from 'node:crypto';
import { describeError } from '../errors.js';
import { StateConflictError } from '../state/store.js';
import { verifyOnly, type CertificateContext, type CertificateOutcome } from './certificate.js';
import { acquireLease, leaseOwner } from './lease.js';

const LEASE_MS = 10 * 60_000;
const ATTEMPTS = 5;

export interface RecordedOutcome extends CertificateOutcome {
  /** False when another process held the lease: probed and reported, not stored. */
  recorded: boolean;
}

export async function verifyAndRecord(ctx: CertificateContext, owner = leaseOwner(randomBytes(4).toString('hex'))): Promise<RecordedOutcome> {
  const name = ctx.config.name;
  // A certificate from a source is checked against what the source holds now (controller/source.ts).
  const check = ctx.config.source ? (await import('./source.js')).reconcileFromSource : verifyOnly;
  for (let attempt = 1; ; attempt++) {
    const lease = await acquireLease(ctx.store, name, owner, LEASE_MS, ctx.log);
    if (!lease) {
      ctx.log.info({ certificate: name }, 'another certloop process holds the lock: probing without recording the result');
      return { ...(await check(ctx, { record: false })), recorded: false };
    }
    try {
      return { ...(await check(ctx)), recorded: true };
    } catch (err) {
      if (!(err instanceof StateConflictError) || attempt >= ATTEMPTS) throw err;
      ctx.log.info({ certificate: name, attempt }, 'the record changed while verifying; verifying again');
    } finally {
      await lease.release().catch((err: unknown) => ctx.log.warn({ certificate: name, err: describeError(err) }, 'cannot release the lock'));
    }
  }
}

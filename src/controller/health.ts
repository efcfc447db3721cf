/**
 * After each reconciliation: is the certificate in use close to expiry, and if everything is fine
 * now, was something wrong before (then announce the recovery once)? See observability/events.ts.
 */
import { describeError } from '../errors.js';
import { emit, settle, type EventContext } from '../observability/events.js';
import type { CertificateRecord } from '../state/record.js';

/**
 * Renewal starts when 1/3 (1/2 for short lifetimes) of the lifetime remains; a certificate in use
 * with less than 1/6 left means renewal or deployment has been failing for a long time.
 */
export const EXPIRING_SOON_FRACTION = 1 / 6;

/** The certificate endpoints actually rely on: the deployed one, else whatever was issued. */
function inUse(record: CertificateRecord): { serial: string; notBefore: string; notAfter: string } | undefined {
  if (record.issued && record.issued.serial === record.deployedSerial) return record.issued;
  if (record.previous && record.previous.serial === record.deployedSerial) return record.previous;
  return record.issued;
}

export function expiringSoon(record: CertificateRecord, now: Date): { serial: string; notAfter: string; remainingDays: number } | undefined {
  const cert = inUse(record);
  if (!cert) return undefined;
  const from = Date.parse(cert.notBefore);
  const to = Date.parse(cert.notAfter);
  // What endpoints serve counts too: a stale node may still serve an older, shorter-lived one.
  const served = (record.lastVerification?.results ?? []).map((r) => (r.notAfter ? Date.parse(r.notAfter) : Infinity));
  const earliest = Math.min(to, ...served);
  const remaining = earliest - now.getTime();
  if (remaining > (to - from) * EXPIRING_SOON_FRACTION) return undefined;
  return { serial: cert.serial, notAfter: new Date(earliest).toISOString(), remainingDays: Math.round((remaining / 86_400_000) * 10) / 10 };
}

/** Never throws; `ready` is whether this reconciliation ended Ready. */
export async function reviewHealth(ctx: EventContext, record: CertificateRecord, ready: boolean): Promise<void> {
  try {
    const soon = expiringSoon(record, ctx.now());
    if (soon) {
      const when = soon.remainingDays <= 0 ? 'has expired' : `expires in ${soon.remainingDays} day(s)`;
      await emit(ctx, { type: 'expiring_soon', message: `the certificate in use (${soon.serial}) ${when}, at ${soon.notAfter}`, data: soon });
    } else if (ready) {
      await settle(ctx, record.deployedSerial);
    }
  } catch (err) {
    ctx.log.error({ certificate: ctx.config.name, err: describeError(err) }, 'cannot review the certificate health');
  }
}

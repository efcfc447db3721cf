/**
 * After each reconciliation: is the certificate in use close to expiry, and if everything is fine
 * now, was something wrong before (then announce the recovery once)? See observability/events.ts.
 */
import { describeError } from '../errors.js';
import { emit, settle, type EventContext } from '../observability/events.js';
import { isExpiring } from '../pki/expiry.js';
import { certificateInUse } from '../state/certificate-state.js';
import type { CertificateRecord } from '../state/record.js';

/** The certificate in use, when it (or an older one an endpoint still serves) is expiring (pki/expiry.ts). */
export function expiringSoon(record: CertificateRecord, now: Date, expiringAlertMs: number): { serial: string; notAfter: string; remainingDays: number } | undefined {
  const cert = certificateInUse(record);
  if (!cert) return undefined;
  // What endpoints serve counts too: a stale node may still serve an older, shorter-lived one.
  const served = (record.lastVerification?.results ?? []).map((r) => (r.notAfter ? Date.parse(r.notAfter) : Infinity));
  const earliest = Math.min(Date.parse(cert.notAfter), ...served);
  if (!isExpiring(cert, now, expiringAlertMs, earliest)) return undefined;
  const remaining = earliest - now.getTime();
  return { serial: cert.serial, notAfter: new Date(earliest).toISOString(), remainingDays: Math.round((remaining / 86_400_000) * 10) / 10 };
}

/** Never throws; `ready` is whether this reconciliation ended Ready. */
export async function reviewHealth(ctx: EventContext & { policy: { expiringAlertMs: number } }, record: CertificateRecord, ready: boolean): Promise<void> {
  try {
    const soon = expiringSoon(record, ctx.now(), ctx.policy.expiringAlertMs);
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

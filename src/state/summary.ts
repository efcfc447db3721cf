/**
 * The part of a certificate record that deciding needs: dates, serials, ARI window, failure, and
 * whether things are deployed and verified; none of the PEMs, keys or per-address verification
 * results that make a record ~3 KB. The SQLite store keeps it in its own column beside the record,
 * so `plan` over 100,000 certificates reads ~40 MB instead of ~300 MB (bench/RESULTS.md).
 *
 * `decide` takes a `RecordSummary` and a full record is one too (it has every field), so plan
 * (summaries) and run (full records) call the very same decision function. Whatever a new check in
 * policy/checks/ reads must be added here, or it does not type-check.
 */
import type { AriRecord, CertificateRecord, FailureRecord, IssuedCertificate, PendingOrder, VerificationRecord } from './record.js';

export interface RecordSummary {
  name: string;
  issued?: Pick<IssuedCertificate, 'serial' | 'domains' | 'notBefore' | 'notAfter'>;
  pendingOrder?: Pick<PendingOrder, 'startedAt' | 'reason'>;
  rejectedSerial?: string;
  deployedSerial?: string;
  lastVerification?: Pick<VerificationRecord, 'serial' | 'verified'>;
  lastFailure?: FailureRecord;
  rollback?: CertificateRecord['rollback'];
  ari?: AriRecord;
}

export function summarize(r: CertificateRecord): RecordSummary {
  const s: RecordSummary = { name: r.name };
  if (r.issued) s.issued = { serial: r.issued.serial, domains: r.issued.domains, notBefore: r.issued.notBefore, notAfter: r.issued.notAfter };
  if (r.pendingOrder) s.pendingOrder = { startedAt: r.pendingOrder.startedAt, reason: r.pendingOrder.reason };
  if (r.rejectedSerial !== undefined) s.rejectedSerial = r.rejectedSerial;
  if (r.deployedSerial !== undefined) s.deployedSerial = r.deployedSerial;
  if (r.lastVerification) s.lastVerification = { serial: r.lastVerification.serial, verified: r.lastVerification.verified };
  if (r.lastFailure) s.lastFailure = r.lastFailure;
  if (r.rollback) s.rollback = r.rollback;
  if (r.ari) s.ari = r.ari;
  return s;
}

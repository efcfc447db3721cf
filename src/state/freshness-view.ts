/**
 * What `run --recheck due` reads to know that a certificate has nothing to do (policy/freshness.ts):
 * the decision summary (summary.ts) plus the last verification's verdict, without the per-address
 * results. A full record's is computed from it; the SQLite store keeps it in its own table beside
 * the record, so a quiet run over 1,000 certificates reads ~0.4 MB in one statement instead of
 * parsing ~4.5 MB of records (bench/RESULTS.md).
 */
import type { CertificateRecord, IssuedCertificate, VerificationRecord } from './record.js';
import { summarize, type RecordSummary } from './summary.js';

export interface FreshnessView extends RecordSummary {
  issued?: NonNullable<RecordSummary['issued']> & Pick<IssuedCertificate, 'directory'>;
  lastVerification?: Pick<VerificationRecord, 'serial' | 'verified' | 'at' | 'drift' | 'overdueSince' | 'configKey'> & {
    /** How many addresses were checked. */
    addresses: number;
    /** Every address served the serial and passed every named check. */
    passed: boolean;
  };
}

export function freshnessView(r: CertificateRecord): FreshnessView {
  const { issued, lastVerification, ...rest } = summarize(r);
  const view: FreshnessView = rest;
  if (issued) view.issued = { ...issued, directory: r.issued!.directory };
  const v = r.lastVerification;
  if (v) {
    view.lastVerification = {
      serial: v.serial,
      verified: v.verified,
      at: v.at,
      drift: v.drift,
      overdueSince: v.overdueSince,
      configKey: v.configKey,
      addresses: v.results.length,
      passed: v.results.every((a) => a.ok && (a.checks ?? []).every((c) => c.ok)),
    };
  }
  return view;
}

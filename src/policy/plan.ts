/**
 * What a run at a given time would do for one certificate, and why: the same `decide` that `run`
 * calls, on the stored record and the stored ARI window (plan never asks the CA), so a plan at T
 * predicts a real run at T.
 */
import type { RecordSummary } from '../state/summary.js';
import { evaluate } from './decide.js';
import type { RenewalPolicy } from './types.js';

/** `source`: the certificate comes from a source certloop does not issue (its description). */
export function planCertificate(name: string, domains: string[], record: RecordSummary | undefined, policy: RenewalPolicy, at: Date, source?: string) {
  const { decision, renewal } = evaluate({ record, domains, source }, policy, at);
  const issued = record?.issued;
  const f = record?.lastFailure;
  return {
    name,
    policy: policy.name,
    serials: { issued: issued?.serial ?? null, deployed: record?.deployedSerial ?? null },
    notBefore: issued?.notBefore ?? null,
    notAfter: issued?.notAfter ?? null,
    renewAt: renewal?.at.toISOString() ?? null,
    renewSource: renewal?.source ?? null,
    renewReason: renewal?.reason ?? null,
    ari: record?.ari && record.ari.serial === issued?.serial
      ? {
          windowStart: record.ari.windowStart ?? null,
          windowEnd: record.ari.windowEnd ?? null,
          selectedAt: record.ari.selectedAt ?? null,
          explanationURL: record.ari.explanationURL ?? null,
          nextFetchAt: record.ari.nextFetchAt,
          error: record.ari.error ?? null,
        }
      : null,
    action: decision.action,
    reason: decision.reason,
    message: decision.message,
    source: decision.source ?? null,
    nextAttemptAt: decision.retryAt?.toISOString() ?? f?.nextAttemptAt ?? null,
    lastError: f ? { step: f.step, code: f.code, message: f.message, at: f.at, attempts: f.attempts } : null,
  };
}

export type CertificatePlan = ReturnType<typeof planCertificate>;

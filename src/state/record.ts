/**
 * What certloop remembers about one managed certificate. Each step of the loop writes its outcome
 * here before the next step starts, so a crash or a failure resumes from the last recorded fact.
 */

export type ConditionType = 'Issued' | 'Deployed' | 'Verified' | 'Ready';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** cert-manager-style status condition: a boolean with a machine reason and a human message. */
export interface Condition {
  status: ConditionStatus;
  reason: string;
  message: string;
  /** ISO time the status last changed. */
  since: string;
}

/** A certificate certloop obtained, with the key that belongs to it. */
export interface IssuedCertificate {
  serial: string;
  domains: string[];
  notBefore: string;
  notAfter: string;
  /** Leaf then intermediates, PEM. */
  fullchainPem: string;
  /** PKCS#8 PEM. Stored only in the state store (0600), never logged or printed. */
  keyPem: string;
  issuedAt: string;
  /** The ACME directory it came from. */
  directory: string;
  orderUrl?: string;
}

/** An order in flight: the key is saved before the order is placed, the URL as soon as it exists. */
export interface PendingOrder {
  keyPem: string;
  domains: string[];
  startedAt: string;
  directory: string;
  orderUrl?: string;
  /** Why the order was placed (decision reason), for status. */
  reason: string;
}

export interface TargetDeployment {
  serial: string;
  at: string;
}

export interface AddressResult {
  endpoint: string;
  address: string;
  ok: boolean;
  served?: string;
  error?: string;
  notAfter?: string;
  port?: number;
  sni?: string;
  starttls?: string;
  /** Which certificate the address serves, when certloop knows it: the deployed one or the one it replaced. */
  servedIs?: 'deployed' | 'previous' | 'other';
  /** Named checks on what the address serves (src/verify/checks.ts). */
  checks?: { name: string; ok: boolean; message: string }[];
  ms?: number;
}

export interface VerificationRecord {
  serial: string;
  at: string;
  verified: boolean;
  results: AddressResult[];
  /** When this serial was first seen not served everywhere (deploy time, or the moment it drifted). */
  notServedSince?: string;
  /** It had been served everywhere and then was not: drift, an alert until it is served again. */
  drift?: boolean;
  /** When it became overdue (not served everywhere past the verify deadline). */
  overdueSince?: string;
}

export interface FailureRecord {
  step: string;
  code: string;
  message: string;
  at: string;
  /** Consecutive failures of this step, for the retry schedule. */
  attempts: number;
  /** Not before this time (ISO) will the step be tried again by a scheduled run. */
  nextAttemptAt?: string;
}

export interface CertificateRecord {
  name: string;
  /** Optimistic-concurrency version; the store bumps it on every write. */
  version: number;
  /** The newest certificate obtained for this name (may not be deployed yet). */
  issued?: IssuedCertificate;
  /** The certificate that was current before `issued`, kept for rollback. */
  previous?: IssuedCertificate;
  pendingOrder?: PendingOrder;
  /** Serial of an issued certificate that failed the pre-deploy checks; it is replaced, never deployed. */
  rejectedSerial?: string;
  /** Per target id: what is deployed there. */
  targets: Record<string, TargetDeployment>;
  /** Serial deployed to every target (set when the last target succeeds). */
  deployedSerial?: string;
  deployedAt?: string;
  lastVerification?: VerificationRecord;
  conditions: Partial<Record<ConditionType, Condition>>;
  lastFailure?: FailureRecord;
  updatedAt: string;
}

export function emptyRecord(name: string, now: Date): CertificateRecord {
  return { name, version: 0, targets: {}, conditions: {}, updatedAt: now.toISOString() };
}

/** History entry: what happened to a certificate, for status and the audit trail. */
export interface HistoryEvent {
  certificate: string;
  at: string;
  type: string;
  message: string;
  data?: Record<string, unknown>;
}

export function setCondition(
  rec: CertificateRecord,
  type: ConditionType,
  status: ConditionStatus,
  reason: string,
  message: string,
  now: Date,
): void {
  const prev = rec.conditions[type];
  rec.conditions[type] = {
    status,
    reason,
    message,
    since: prev && prev.status === status ? prev.since : now.toISOString(),
  };
}

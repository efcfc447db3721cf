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
  /** Set when the certificate was adopted from a target (its id) instead of issued by certloop. */
  adoptedFrom?: string;
  /** The ACME profile it was ordered with (draft-ietf-acme-profiles); absent: the CA's default. */
  profile?: string;
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
  /** The ACME profile the order was placed with. */
  profile?: string;
}

export interface TargetDeployment {
  serial: string;
  at: string;
}

/** One connection to an address (issue 15: several per address, each with a client profile). */
export interface SampleResult {
  /** The client profile the connection used (src/verify/profiles.ts): default, rsa or ecdsa. */
  profile?: string;
  /** Leaf serial it got. */
  served?: string;
  /** `companion`: the serial of another managed certificate the endpoint `alsoServes`. */
  servedIs?: 'deployed' | 'previous' | 'companion' | 'other';
  error?: string;
  /** The server refused this profile's hello while another profile connected: it holds no certificate for it. */
  notOffered?: boolean;
  ms?: number;
}

export interface AddressResult {
  endpoint: string;
  address: string;
  ok: boolean;
  served?: string;
  error?: string;
  /** Read, with something to know (a server that requires a client certificate, src/verify/probe.ts). */
  note?: string;
  notAfter?: string;
  port?: number;
  sni?: string;
  starttls?: string;
  /** Which certificate the address serves, when certloop knows it: the deployed one or the one it replaced. */
  servedIs?: 'deployed' | 'previous' | 'companion' | 'other';
  /** Named checks on what the address serves (src/verify/checks.ts). */
  checks?: { name: string; ok: boolean; message: string }[];
  ms?: number;
  /** Every connection made to the address, in order (`verify.samples`, client profiles). */
  samples?: SampleResult[];
  /** When the connections disagreed: "2 of 3 connections got 0A1B…; 1 of 3 connections (profile rsa) got 7F3C…, the previous certificate". */
  detail?: string;
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
  /** verify/freshness.ts verifyConfigKey of the settings probed: `run --recheck due` trusts only a check of what is configured now. */
  configKey?: string;
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

/**
 * The CA's renewal information (RFC 9773) for the issued certificate, as last fetched. The time
 * picked inside the window is kept until the CA changes the window, so runs agree with each other.
 */
export interface AriRecord {
  /** Serial of the certificate the information is about. */
  serial: string;
  /** RFC 9773 certID: base64url(AKI keyIdentifier) "." base64url(serial). */
  certId: string;
  windowStart?: string;
  windowEnd?: string;
  selectedAt?: string;
  explanationURL?: string;
  fetchedAt: string;
  /** Not before this time is the CA asked again (its Retry-After, clamped). */
  nextFetchAt: string;
  /** The last fetch failed with this; the previous window (if any) is still used. */
  error?: string;
}

/** RFC 5280 §5.3.1 reason names `certloop revoke --reason` accepts (those a subscriber may give: RFC 8555 §7.6, CA/B BR 4.9.1.1). */
export type RevocationReason = 'unspecified' | 'keyCompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation';

/** A certificate `certloop revoke` had the CA revoke. */
export interface Revocation {
  serial: string;
  reason: RevocationReason;
  /** ISO time the CA accepted the revocation (or said it was already revoked). */
  at: string;
  /** Whose key signed the request (RFC 8555 §7.6): the ACME account's, or the certificate's own. */
  signedWith: 'account-key' | 'certificate-key';
  /** The directory that revoked it (the one that issued it). */
  directory: string;
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
  /** Set by `certloop rollback`: `serial` replaced `from`; automatic renewal pauses (policy/checks/rolled-back.ts). */
  rollback?: { serial: string; from: string; at: string };
  /** Per ACME directory: consecutive CA-side failures since the last successful order (acme/ca-selection.ts). */
  caFailures?: Record<string, { count: number; problem: string; message: string; at: string; retryAfterUntil?: string }>;
  /** ACME Renewal Information for `issued`, when the CA offers it. */
  ari?: AriRecord;
  /** Certificates of this name that were revoked, newest last (the last few are kept). */
  revocations?: Revocation[];
  /** A certificate certloop does not issue: what its source (Key Vault) said when last read (controller/source.ts). */
  source?: SourceRecord;
  updatedAt: string;
}

/** The source's current version, as last read. `issued`/`deployedSerial` hold its certificate (no key). */
export interface SourceRecord {
  /** The source's id ("key-vault:https://v.vault.azure.net/certificates/www"). */
  id: string;
  version: string;
  /** Since when this version is the one to serve: the verify deadline runs from here. */
  currentSince: string;
  readAt: string;
  /** Newer versions passed over (disabled, not valid yet). */
  skipped: { version: string; reason: string }[];
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

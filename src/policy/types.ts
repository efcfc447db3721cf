/**
 * The vocabulary of the renewal decision: the policy, the renewal time, the decision, and the shape
 * of one check in the chain (checks/index.ts). Types only, so every check, the chain and its
 * helpers (rollback hold, emergency floor) can share them without importing one another in a circle.
 */
import type { RecordSummary } from '../state/summary.js';

/** The steps a failure can be recorded for, each with its own retry schedule. */
export type RetryStep = 'issue' | 'deploy' | 'verify';

export interface RenewalPolicy {
  name: string;
  description?: string;
  /** Use the CA's ACME Renewal Information (RFC 9773) window when the CA offers it. */
  ari: boolean;
  /** Renew when this fraction of the lifetime remains (Let's Encrypt: 1/3). */
  remainingFraction: number;
  /**
   * Renew when this many days remain, instead of the fraction (source "days"). Ignored for a
   * certificate whose whole lifetime is shorter; the fraction applies to it.
   */
  remainingDays?: number;
  /** For lifetimes under `shortLifetime`, renew at this fraction instead (1/2 for < 10 days). */
  shortLivedFraction: number;
  shortLifetimeMs: number;
  /** Below this fraction of the lifetime remaining, renew whatever ARI says (certmagic: 1/20). */
  emergencyFraction: number;
  /**
   * Spread lifetime-rule renewals up to this much earlier, by an amount derived from the serial:
   * deterministic, so `plan` and `run` agree, yet different for each certificate.
   */
  jitterMs: number;
  /** Waits after the 1st, 2nd, ... consecutive failure of each step; the last repeats; 0 retries on the next run. */
  retrySchedulesMs: Record<RetryStep, number[]>;
  /** How long a deployed certificate may stay unconfirmed on its endpoints before it is overdue. */
  verifyDeadlineMs: number;
  /** How often endpoints are re-checked when nothing changed. */
  recheckIntervalMs: number;
  /** Alert when a served certificate expires within this. */
  expiringAlertMs: number;
  /** ACME profile the policy pairs with, used when the CA offers it (acme/profile.ts). */
  profile?: string;
  /** Watched endpoints: an expiring_soon alert as the time left crosses each of these (largest first). */
  expiringThresholdsMs: number[];
}

export type TimeSource = 'ari' | 'fraction' | 'days' | 'emergency' | 'retry' | 'forced';

export interface RenewalTime {
  at: Date;
  source: TimeSource;
  reason: string;
  /**
   * The certificate's emergency floor (emergency.ts), which `at` never passes: worked out once
   * with the renewal time, and read from here by the checks that need it (emergency, rolled-back).
   */
  floor: Date;
}

/**
 * What the CA's renewal information said about one certificate (RFC 9773), as the observe step
 * stored it: the suggested window and the moment picked inside it once.
 */
export interface AriWindow {
  /** The serial the window is about; a window for another serial is ignored. */
  serial: string;
  windowStart: string;
  windowEnd: string;
  /** Uniformly random time inside the window, chosen once per window (RFC 9773 §4.2). */
  selectedAt: string;
  explanationURL?: string;
}

export interface CertificateTimes {
  serial?: string;
  notBefore: string;
  notAfter: string;
}

export type Action = 'issue' | 'deploy' | 'verify' | 'wait' | 'none';

export interface Decision {
  action: Action;
  /** Machine-readable reason (CamelCase, stable). */
  reason: string;
  message: string;
  source?: TimeSource;
  /** When the current certificate is due for renewal. */
  renewAt?: Date;
  renewSource?: TimeSource;
  /** For `wait`: when the next attempt is allowed. */
  retryAt?: Date;
}

export interface DecideInput {
  /** A full record (run) or its summary (plan over the state store's summary column): same decision. */
  record: RecordSummary | undefined;
  /** The domains the config asks for now. */
  domains: string[];
  force?: boolean;
  /** The certificate comes from a source certloop does not issue (its description: `Key Vault certificate "www" in …`). */
  source?: string;
}

/** Everything a check may read: the input, the policy, the clock, and the renewal time worked out once. */
export interface Facts extends DecideInput {
  policy: RenewalPolicy;
  now: Date;
  /** renewalTime of the issued certificate and its stored ARI window; undefined before the first issue. */
  renewal: RenewalTime | undefined;
}

/**
 * One named, pure check of the chain; each checks its own preconditions (a check that needs an
 * issued certificate passes without one). A `finds` check says what to do, or passes (undefined);
 * the first that speaks wins. A `holds` check comes after the finders and may hold back what they found
 * (a failed step waits for its retry time), or let it stand (undefined).
 */
export type Check =
  | { name: string; finds: (facts: Facts) => Decision | undefined }
  | { name: string; holds: (facts: Facts, found: Decision) => Decision | undefined };

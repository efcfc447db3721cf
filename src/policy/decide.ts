/**
 * When to renew and what to do next, as pure functions of their inputs and `now` (no I/O, no
 * clock reads). `run`, `renew`, `plan --at` and drills all call these, so a plan at time T predicts
 * exactly what a run at T does.
 */
import type { RecordSummary } from '../state/summary.js';
import { rollbackHold } from './rollback-hold.js';

const DAY = 86_400_000;

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
  /** Waits after the 1st, 2nd, ... consecutive failed order; the last repeats (= retrySchedulesMs.issue). */
  retryScheduleMs: number[];
  /** Per failed step; a wait of 0 retries on the next run. */
  retrySchedulesMs: Record<RetryStep, number[]>;
  /** How long a deployed certificate may stay unconfirmed on its endpoints before it is overdue. */
  verifyDeadlineMs: number;
  /** How often endpoints are re-checked when nothing changed. */
  recheckIntervalMs: number;
  /** Alert when a served certificate expires within this. */
  expiringAlertMs: number;
  /** Watched endpoints: an expiring_soon alert as the time left crosses each of these (largest first). */
  expiringThresholdsMs: number[];
}

const RETRY_ISSUE = [60_000, 600_000, 6_000_000, DAY];

/** The `default` policy (policies/default.yaml holds the same values; a test ties them). */
export const DEFAULT_POLICY: RenewalPolicy = {
  name: 'default',
  ari: true,
  remainingFraction: 1 / 3,
  shortLivedFraction: 1 / 2,
  shortLifetimeMs: 10 * DAY,
  emergencyFraction: 1 / 20,
  jitterMs: 0,
  retryScheduleMs: RETRY_ISSUE,
  retrySchedulesMs: { issue: RETRY_ISSUE, deploy: [0], verify: [0] },
  verifyDeadlineMs: 0,
  recheckIntervalMs: 3_600_000,
  expiringAlertMs: 14 * DAY,
  expiringThresholdsMs: [30, 14, 7, 3, 1].map((d) => d * DAY),
};

export type TimeSource = 'ari' | 'fraction' | 'days' | 'emergency' | 'retry' | 'forced';

export interface RenewalTime {
  at: Date;
  source: TimeSource;
  reason: string;
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

/**
 * When to renew: the ARI time when the CA offered one for this certificate, else the lifetime rule
 * (days or fraction, short-lived fraction for short lifetimes, minus jitter); in every case no
 * later than the emergency floor, which overrides ARI (never trust one timing source).
 */
export function renewalTime(cert: CertificateTimes, policy: RenewalPolicy, ari: AriWindow | undefined, now: Date): RenewalTime {
  void now; // The time itself does not depend on now; the decision compares against it.
  const from = Date.parse(cert.notBefore);
  const to = Date.parse(cert.notAfter);
  const lifetime = to - from;
  const hours = Math.round(lifetime / 3_600_000);

  let planned: RenewalTime;
  if (policy.ari && ari && ari.serial === cert.serial) {
    planned = {
      at: new Date(ari.selectedAt),
      source: 'ari',
      reason: `the CA suggests renewing between ${ari.windowStart} and ${ari.windowEnd} (ARI)`,
    };
  } else {
    planned = lifetimeRule(cert, policy, lifetime, to, hours);
  }

  const floor = new Date(to - lifetime * policy.emergencyFraction);
  if (floor < planned.at) {
    return {
      at: floor,
      source: 'emergency',
      reason: `only ${formatFraction(policy.emergencyFraction)} of the ${hours} h lifetime remains (emergency floor, overrides ${planned.source} time ${planned.at.toISOString()})`,
    };
  }
  return planned;
}

function lifetimeRule(cert: CertificateTimes, policy: RenewalPolicy, lifetime: number, to: number, hours: number): RenewalTime {
  const jitter = jitterFor(cert.serial, policy.jitterMs);
  const jitterNote = jitter > 0 ? `, ${Math.round(jitter / 60_000)} min earlier (jitter)` : '';
  const days = policy.remainingDays;
  if (days !== undefined && days * DAY < lifetime) {
    return { at: new Date(to - days * DAY - jitter), source: 'days', reason: `${days} days of the ${hours} h lifetime remain${jitterNote}` };
  }
  const short = lifetime < policy.shortLifetimeMs;
  const fraction = short ? policy.shortLivedFraction : policy.remainingFraction;
  const why = days !== undefined && !short ? ` (the lifetime is shorter than ${days} days)` : '';
  return { at: new Date(to - lifetime * fraction - jitter), source: 'fraction', reason: `${formatFraction(fraction)} of the ${hours} h lifetime remains${why}${jitterNote}` };
}

/** A stable share of `jitterMs` for a serial (FNV-1a), so the same certificate always gets the same offset. */
export function jitterFor(serial: string | undefined, jitterMs: number): number {
  if (!jitterMs || !serial) return 0;
  let h = 0x811c9dc5;
  for (const ch of serial) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return Math.floor((h / 0x1_0000_0000) * jitterMs);
}

export function formatFraction(f: number): string {
  const inverse = Math.round(1 / f);
  return Math.abs(1 / inverse - f) < 1e-9 ? `1/${inverse}` : `${Math.round(f * 100)}%`;
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
}

type Check = (input: DecideInput, policy: RenewalPolicy, now: Date) => Decision | undefined;

/**
 * The ordered chain of named checks; the first that returns a decision wins (the shape of
 * cert-manager's certificate policy chain).
 */
const CHECKS: [string, Check][] = [
  ['forced', ({ force }) => (force ? { action: 'issue', reason: 'Forced', message: 'renewal forced by the operator', source: 'forced' } : undefined)],
  [
    'order-in-progress',
    ({ record }) =>
      record?.pendingOrder
        ? { action: 'issue', reason: 'OrderInProgress', message: 'an earlier order did not finish; resuming it with the same key' }
        : undefined,
  ],
  [
    'no-certificate',
    ({ record }) => (record?.issued ? undefined : { action: 'issue', reason: 'NoCertificate', message: 'no certificate has been issued yet' }),
  ],
  [
    'rejected',
    ({ record }) =>
      record!.rejectedSerial === record!.issued!.serial
        ? { action: 'issue', reason: 'CertificateRejected', message: `certificate ${record!.issued!.serial} failed the pre-deploy checks; ordering a replacement` }
        : undefined,
  ],
  [
    'domains-changed',
    ({ record, domains }) => {
      // The usual case without a Set: the same names in the same order, none twice.
      if (sameList(record!.issued!.domains, domains)) return undefined;
      const have = new Set(record!.issued!.domains);
      const same = have.size === domains.length && domains.every((d) => have.has(d));
      return same ? undefined : { action: 'issue', reason: 'DomainsChanged', message: `the configured domains changed (certificate has ${[...have].join(', ')})` };
    },
  ],
  [
    'expired',
    ({ record }, _p, now) =>
      Date.parse(record!.issued!.notAfter) <= now.getTime()
        ? { action: 'issue', reason: 'Expired', message: `the issued certificate expired at ${record!.issued!.notAfter}` }
        : undefined,
  ],
  [
    'not-deployed',
    ({ record }) =>
      record!.deployedSerial !== record!.issued!.serial
        ? { action: 'deploy', reason: 'NotDeployed', message: `certificate ${record!.issued!.serial} is issued but not yet deployed to every target` }
        : undefined,
  ],
  ['rolled-back', ({ record }, policy, now) => rollbackHold(record!, policy, now)],
  [
    'renewal-due',
    ({ record }, policy, now) => {
      const t = renewalTimeOf(record!, policy, now)!;
      return now >= t.at
        ? { action: 'issue', reason: 'RenewalDue', message: `renewal was due at ${t.at.toISOString()}: ${t.reason}`, source: t.source }
        : undefined;
    },
  ],
  [
    'not-verified',
    ({ record }) => {
      const v = record!.lastVerification;
      return v && v.serial === record!.deployedSerial && v.verified
        ? undefined
        : { action: 'verify', reason: 'NotVerified', message: `deployed certificate ${record!.deployedSerial} is not yet confirmed on every endpoint` };
    },
  ],
];

/** Equal lists without duplicates (then the Set comparison below would find them the same too). */
function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length || b.length > 8) return false;
  for (let i = 0; i < b.length; i++) {
    if (a[i] !== b[i]) return false;
    for (let j = 0; j < i; j++) if (b[j] === b[i]) return false;
  }
  return true;
}

export function decide(input: DecideInput, policy: RenewalPolicy, now: Date): Decision {
  const renewal = renewalTimeOf(input.record, policy, now);
  const decision: Decision = CHECKS.reduce<Decision | undefined>((found, [, check]) => found ?? check(input, policy, now), undefined) ?? {
    action: 'none',
    reason: 'UpToDate',
    message: renewal ? `up to date; renewal due ${renewal.at.toISOString()}` : 'up to date',
  };
  decision.renewAt = renewal?.at;
  decision.renewSource = renewal?.source;

  // A failed step waits for its retry time from the policy's schedule for that step (or the CA's
  // Retry-After). Orders back off (CAs rate-limit failures); the default deploy and verify
  // schedules are 0, retrying on every run, because they cost the CA nothing.
  const failure = input.record?.lastFailure;
  const failedStep = failure ? retryStepOf(failure.step) : undefined;
  const waitsFor =
    (decision.action === 'issue' && failedStep === 'issue') ||
    (decision.action === 'deploy' && failedStep === 'deploy') ||
    (decision.action === 'verify' && failedStep === 'verify');
  if (waitsFor && !input.force && failure) {
    // Orders keep the stored time (it includes the CA's Retry-After); deploys and verifications
    // follow the policy as it is now, so a changed schedule applies at once.
    const retryAt =
      failedStep === 'issue'
        ? failure.nextAttemptAt
          ? new Date(failure.nextAttemptAt)
          : undefined
        : nextAttempt(policy, failure.attempts, new Date(failure.at), undefined, failedStep);
    if (retryAt && retryAt > now) {
      return {
        ...decision,
        action: 'wait',
        reason: 'RetryScheduled',
        message: `${decision.message}; the last attempt failed (${failure.message}), next attempt at ${retryAt.toISOString()}`,
        source: 'retry',
        retryAt,
      };
    }
  }
  return decision;
}

let lastRenewal: { key: unknown[]; policy: RenewalPolicy; time: RenewalTime } | undefined;

/**
 * renewalTime for a record's issued certificate and stored ARI window (undefined before the first
 * issue). decide needs it twice and plan once more: the last answer is kept for the same inputs,
 * which saves a third of `plan` over 100,000 certificates (it builds dates and messages).
 */
export function renewalTimeOf(record: RecordSummary | undefined, policy: RenewalPolicy, now: Date): RenewalTime | undefined {
  const issued = record?.issued;
  if (!issued) return undefined;
  const ari = ariWindowOf(record);
  // Everything renewalTime reads, by value (records are mutated in place between calls); compared
  // field by field, as building one key string per call cost as much as the computation.
  const key = [issued.serial, issued.notBefore, issued.notAfter, ari?.serial, ari?.windowStart, ari?.windowEnd, ari?.selectedAt, now.getTime()];
  if (lastRenewal && lastRenewal.policy === policy && lastRenewal.key.every((v, i) => v === key[i])) return lastRenewal.time;
  const time = renewalTime(issued, policy, ari, now);
  lastRenewal = { key, policy, time };
  return time;
}

/** The stored ARI window, in the shape renewalTime takes (undefined when the CA gave none). */
export function ariWindowOf(record: RecordSummary | undefined): AriWindow | undefined {
  const a = record?.ari;
  if (!a?.windowStart || !a.windowEnd || !a.selectedAt) return undefined;
  return { serial: a.serial, windowStart: a.windowStart, windowEnd: a.windowEnd, selectedAt: a.selectedAt, explanationURL: a.explanationURL };
}

/** The retry schedule a recorded failure step belongs to: a failed check orders anew, a reload is a deploy. */
export function retryStepOf(step: string): RetryStep {
  if (step === 'issue' || step === 'check') return 'issue';
  if (step === 'verify') return 'verify';
  return 'deploy';
}

/**
 * When to try a failed step again: the policy's schedule for that step (1st, 2nd, ... failure; the
 * last wait repeats), or later if the CA said so with Retry-After.
 */
export function nextAttempt(policy: RenewalPolicy, attempts: number, now: Date, retryAfterSeconds?: number, step: RetryStep = 'issue'): Date {
  const schedule = policy.retrySchedulesMs?.[step] ?? policy.retryScheduleMs;
  const wait = schedule[Math.min(Math.max(attempts, 1), schedule.length) - 1] ?? 0;
  return new Date(now.getTime() + Math.max(wait, (retryAfterSeconds ?? 0) * 1000));
}

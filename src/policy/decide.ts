/**
 * When to renew and what to do next, as pure functions of their inputs and `now` (no I/O, no
 * clock reads). `run`, `renew`, `plan --at` and drills all call these, so a plan at time T predicts
 * exactly what a run at T does.
 */
import type { CertificateRecord } from '../state/record.js';

const DAY = 86_400_000;

export interface RenewalPolicy {
  name: string;
  /** Renew when this fraction of the lifetime remains (Let's Encrypt: 1/3). */
  remainingFraction: number;
  /** For lifetimes under `shortLifetime`, renew at this fraction instead (1/2 for < 10 days). */
  shortLivedFraction: number;
  shortLifetimeMs: number;
  /** Waits after the 1st, 2nd, ... consecutive failure; the last repeats. */
  retryScheduleMs: number[];
  /** How long a deployed certificate may stay not served everywhere before it is overdue (an alert). */
  verifyDeadlineMs: number;
  /** How often a long-running process re-checks endpoints for drift. */
  recheckIntervalMs: number;
  /** A served certificate with less than this left is an alert (capped at 1/5 of its lifetime). */
  expiringAlertMs: number;
}

export const DEFAULT_POLICY: RenewalPolicy = {
  name: 'default',
  remainingFraction: 1 / 3,
  shortLivedFraction: 1 / 2,
  shortLifetimeMs: 10 * DAY,
  retryScheduleMs: [60_000, 600_000, 6_000_000, DAY],
  verifyDeadlineMs: 3_600_000,
  recheckIntervalMs: 15 * 60_000,
  expiringAlertMs: 14 * DAY,
};

export type TimeSource = 'ari' | 'fraction' | 'days' | 'emergency' | 'retry' | 'forced';

export interface RenewalTime {
  at: Date;
  source: TimeSource;
  reason: string;
}

export function renewalTime(cert: { notBefore: string; notAfter: string }, policy: RenewalPolicy, now: Date): RenewalTime {
  void now; // ARI and jitter (policy work) will use it; the lifetime rule does not.
  const from = Date.parse(cert.notBefore);
  const to = Date.parse(cert.notAfter);
  const lifetime = to - from;
  const fraction = lifetime < policy.shortLifetimeMs ? policy.shortLivedFraction : policy.remainingFraction;
  const at = new Date(to - lifetime * fraction);
  return { at, source: 'fraction', reason: `${formatFraction(fraction)} of the ${Math.round(lifetime / 3_600_000)} h lifetime remains` };
}

function formatFraction(f: number): string {
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
  record: CertificateRecord | undefined;
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
  [
    'renewal-due',
    ({ record }, policy, now) => {
      const t = renewalTime(record!.issued!, policy, now);
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

export function decide(input: DecideInput, policy: RenewalPolicy, now: Date): Decision {
  const renewal = input.record?.issued ? renewalTime(input.record.issued, policy, now) : undefined;
  const decision: Decision = CHECKS.reduce<Decision | undefined>((found, [, check]) => found ?? check(input, policy, now), undefined) ?? {
    action: 'none',
    reason: 'UpToDate',
    message: renewal ? `up to date; renewal due ${renewal.at.toISOString()}` : 'up to date',
  };
  decision.renewAt = renewal?.at;
  decision.renewSource = renewal?.source;

  // A failed order waits for its retry time (CAs rate-limit failures); deploys and verifications
  // are retried on every run because they cost the CA nothing.
  const failure = input.record?.lastFailure;
  if (decision.action === 'issue' && !input.force && (failure?.step === 'issue' || failure?.step === 'check') && failure.nextAttemptAt) {
    const retryAt = new Date(failure.nextAttemptAt);
    if (retryAt > now) {
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

/** When to try a failed step again: the policy's schedule, or later if the CA said so. */
export function nextAttempt(policy: RenewalPolicy, attempts: number, now: Date, retryAfterSeconds?: number): Date {
  const schedule = policy.retryScheduleMs;
  const wait = schedule[Math.min(Math.max(attempts, 1), schedule.length) - 1];
  return new Date(now.getTime() + Math.max(wait, (retryAfterSeconds ?? 0) * 1000));
}

/**
 * Pending, overdue and drift, as a pure function of the last verification, this one and the clock
 * (like policy/decide.ts, so status and drills compute exactly what a run records).
 *
 * - Pending: the deployed serial is not served everywhere yet, and its deadline (deploy time +
 *   `verify.deadline` or the policy's `verifyDeadlineMs`) has not passed. Not an alert: servers
 *   reload on their own schedule (a gateway polling Key Vault can take hours).
 * - Overdue: still not served everywhere after the deadline. An alert (exit 1).
 * - Drift: the serial *was* served everywhere, and now is not (a rollback, a node rebuilt from an
 *   old image, a manual change). An alert at once and until it is served again, since nothing
 *   certloop does will fix it by waiting.
 */
import type { VerificationRecord } from '../state/record.js';

export type Transition = 'verified' | 'drift' | 'recovered' | 'overdue';

export interface VerificationState {
  notServedSince?: string;
  /** When pending turns into overdue. */
  deadline?: string;
  overdue: boolean;
  overdueSince?: string;
  drift: boolean;
  /** What changed since the previous verification, for the event log. */
  transition?: Transition;
}

export interface VerificationStateInput {
  previous: VerificationRecord | undefined;
  serial: string;
  verified: boolean;
  /** When the serial was deployed; the start of the pending time. */
  deployedAt?: string;
  deadlineMs: number;
  now: Date;
}

export function verificationState(input: VerificationStateInput): VerificationState {
  const { serial, verified, now } = input;
  const prev = input.previous?.serial === serial ? input.previous : undefined;
  if (verified) {
    return { overdue: false, drift: false, transition: prev?.drift ? 'recovered' : prev?.verified ? undefined : 'verified' };
  }
  const drift = prev?.verified === true || prev?.drift === true;
  const notServedSince =
    prev && !prev.verified ? (prev.notServedSince ?? input.deployedAt ?? now.toISOString()) : prev?.verified ? now.toISOString() : (input.deployedAt ?? now.toISOString());
  const deadline = new Date(Date.parse(notServedSince) + input.deadlineMs);
  const overdue = !drift && now >= deadline;
  const overdueSince = overdue ? (prev?.overdueSince ?? now.toISOString()) : undefined;
  const transition: Transition | undefined = prev?.verified ? 'drift' : overdue && !prev?.overdueSince ? 'overdue' : undefined;
  return { notServedSince, deadline: deadline.toISOString(), overdue, overdueSince, drift, transition };
}

/** The same judgement for `status` at a later time, from what the last run recorded. */
export function currentVerificationState(last: VerificationRecord | undefined, deadlineMs: number, now: Date): Omit<VerificationState, 'transition'> | undefined {
  if (!last) return undefined;
  if (last.verified) return { overdue: false, drift: false };
  const since = last.notServedSince;
  const deadline = since ? new Date(Date.parse(since) + deadlineMs) : undefined;
  const overdue = !last.drift && deadline !== undefined && now >= deadline;
  return { notServedSince: since, deadline: deadline?.toISOString(), overdue, overdueSince: last.overdueSince ?? (overdue ? deadline!.toISOString() : undefined), drift: last.drift === true };
}

/** Something that needs a human, from a verification: exit 1 and a line in run/status output. */
export interface VerifyAlert {
  /** Stable reason: Drift, Overdue, Untrusted, ChainIncomplete, ChainInvalid, NameMismatch, Expired, Expiring. */
  reason: string;
  message: string;
}

/** The alert reason of each failed check; with Drift, Overdue and NoEndpoints, every alert there is. */
export const PROBLEM_REASON: Record<string, string> = {
  'chain-trusted': 'Untrusted',
  'chain-complete': 'ChainIncomplete',
  'chain-valid': 'ChainInvalid',
  'name-matches': 'NameMismatch',
  'not-expired': 'Expired',
  'not-expiring': 'Expiring',
};

export function verifyAlerts(
  serial: string,
  state: Omit<VerificationState, 'transition'>,
  summary: string,
  problems: { check: string; endpoint: string; address: string; message: string }[],
): VerifyAlert[] {
  const alerts: VerifyAlert[] = [];
  if (state.drift) alerts.push({ reason: 'Drift', message: `certificate ${serial} was served everywhere and no longer is (since ${state.notServedSince}): ${summary}` });
  if (state.overdue) alerts.push({ reason: 'Overdue', message: `certificate ${serial} is still not served everywhere, deadline was ${state.deadline}: ${summary}` });
  for (const p of problems) alerts.push({ reason: PROBLEM_REASON[p.check] ?? 'Problem', message: `${p.address} (${p.endpoint}): ${p.message}` });
  return alerts;
}

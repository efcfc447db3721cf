/**
 * `run --recheck due`: whether the last verification of a certificate still stands, so a frequent
 * scheduled run may skip probing its endpoints until the policy's `recheckInterval` has passed.
 *
 * Only a certificate with nothing at all to do qualifies: not due, nothing to resume, retry or
 * deploy (the same chain of checks as every decision), the deployed serial served on every
 * address of exactly the endpoints configured now, every named check passing, and the deployed
 * certificate not yet inside its expiring-alert threshold. Anything else is reconciled as usual.
 * Pure: the clock and what the config asks for are arguments.
 */
import { isExpiring } from '../pki/expiry.js';
import type { FreshnessView } from '../state/freshness-view.js';
import { decide } from './decide.js';
import type { Decision, RenewalPolicy } from './types.js';

export interface Fresh {
  decision: Decision;
  /** When the endpoints were last probed. */
  checkedAt: Date;
  /** When a `--recheck due` run will probe them again. */
  recheckAt: Date;
}

/** What the config asks for now: the names, and the key of the verify settings (verify/freshness.ts verifyConfigKey). */
export interface Wanted {
  domains: string[];
  configKey: string;
  /** A certificate from a source (its description): decided as such (policy/checks/from-source.ts). */
  source?: string;
}

/** Why a certificate cannot skip its probes, or the fresh verification it may rely on. */
export function freshness(record: FreshnessView | undefined, wanted: Wanted, policy: RenewalPolicy, now: Date): Fresh | string {
  if (policy.recheckIntervalMs <= 0) return 'the policy re-checks on every run';
  if (!record?.issued || !record.deployedSerial) return 'nothing deployed yet';
  if (record.issued.serial !== record.deployedSerial) return 'an issued certificate is not deployed everywhere';
  if (record.lastFailure || record.pendingOrder) return 'an earlier step failed or did not finish';
  const last = record.lastVerification;
  if (!last || last.serial !== record.deployedSerial || !last.verified || last.drift || last.overdueSince) return 'the deployed certificate is not confirmed served';
  if (last.configKey !== wanted.configKey) return 'the endpoints changed since the last check';
  if (last.addresses === 0) return 'no endpoints were checked';
  if (!last.passed) return 'a check failed last time';
  const checkedAt = new Date(last.at);
  const recheckAt = new Date(checkedAt.getTime() + policy.recheckIntervalMs);
  if (!(checkedAt <= now && now < recheckAt)) return 'the recheck interval has passed';
  // The served certificate is the deployed one: its not-expiring check would fail by now.
  if (isExpiring(record.issued, now, policy.expiringAlertMs)) return 'the certificate is inside its expiring-alert threshold';
  const decision = decide({ record, domains: wanted.domains, source: wanted.source }, policy, now);
  if (decision.action !== 'none') return decision.message;
  return { decision, checkedAt, recheckAt };
}

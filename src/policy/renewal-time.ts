/**
 * When to renew a certificate, as a pure function of its dates, the policy and the stored ARI
 * window: the ARI time when the CA offered one for this certificate, else the lifetime rule; in
 * every case no later than the emergency floor (emergency.ts), which overrides ARI (never trust
 * one timing source).
 */
import type { RecordSummary } from '../state/summary.js';
import { emergencyFloor } from './emergency.js';
import type { AriWindow, CertificateTimes, RenewalPolicy, RenewalTime } from './types.js';

const DAY = 86_400_000;

export function renewalTime(cert: CertificateTimes, policy: RenewalPolicy, ari: AriWindow | undefined, now: Date): RenewalTime {
  void now; // The time itself does not depend on now; the decision compares against it.
  const from = Date.parse(cert.notBefore);
  const to = Date.parse(cert.notAfter);
  const lifetime = to - from;
  const hours = Math.round(lifetime / 3_600_000);

  const floor = emergencyFloor(from, to, policy);
  let planned: RenewalTime;
  if (policy.ari && ari && ari.serial === cert.serial) {
    planned = {
      at: new Date(ari.selectedAt),
      source: 'ari',
      reason: `the CA suggests renewing between ${ari.windowStart} and ${ari.windowEnd} (ARI)`,
      floor,
    };
  } else {
    planned = lifetimeRule(cert, policy, lifetime, to, hours, floor);
  }

  if (floor < planned.at) {
    return {
      at: floor,
      source: 'emergency',
      reason: `only ${formatFraction(policy.emergencyFraction)} of the ${hours} h lifetime remains (emergency floor, overrides ${planned.source} time ${planned.at.toISOString()})`,
      floor,
    };
  }
  return planned;
}

function lifetimeRule(cert: CertificateTimes, policy: RenewalPolicy, lifetime: number, to: number, hours: number, floor: Date): RenewalTime {
  const jitter = jitterFor(cert.serial, policy.jitterMs);
  const jitterNote = jitter > 0 ? `, ${Math.round(jitter / 60_000)} min earlier (jitter)` : '';
  const days = policy.remainingDays;
  if (days !== undefined && days * DAY < lifetime) {
    return { at: new Date(to - days * DAY - jitter), source: 'days', reason: `${days} days of the ${hours} h lifetime remain${jitterNote}`, floor };
  }
  const short = lifetime < policy.shortLifetimeMs;
  const fraction = short ? policy.shortLivedFraction : policy.remainingFraction;
  const why = days !== undefined && !short ? ` (the lifetime is shorter than ${days} days)` : '';
  return { at: new Date(to - lifetime * fraction - jitter), source: 'fraction', reason: `${formatFraction(fraction)} of the ${hours} h lifetime remains${why}${jitterNote}`, floor };
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

/** renewalTime for a record's issued certificate and stored ARI window (undefined before the first issue). */
export function renewalTimeOf(record: RecordSummary | undefined, policy: RenewalPolicy, now: Date): RenewalTime | undefined {
  const issued = record?.issued;
  return issued ? renewalTime(issued, policy, ariWindowOf(record), now) : undefined;
}

/** The stored ARI window, in the shape renewalTime takes (undefined when the CA gave none). */
export function ariWindowOf(record: RecordSummary | undefined): AriWindow | undefined {
  const a = record?.ari;
  if (!a?.windowStart || !a.windowEnd || !a.selectedAt) return undefined;
  return { serial: a.serial, windowStart: a.windowStart, windowEnd: a.windowEnd, selectedAt: a.selectedAt, explanationURL: a.explanationURL };
}

/**
 * `run --recheck due`: a certificate whose last verification still stands (verify/freshness.ts) is
 * not probed again until its policy's `recheckInterval` has passed. When nothing else is due
 * either, it is reported straight from the state store, without taking its lock or writing
 * anything: the path that lets a run every few minutes over thousands of certificates cost
 * almost nothing.
 */
import type { CertificateConfig } from '../config/schema.js';
import { formatDuration } from '../util/duration.js';
import { offersRenewalInfo } from '../policy/ari.js';
import type { RenewalPolicy } from '../policy/decide.js';
import type { CertificateRecord } from '../state/record.js';
import type { StateStore } from '../state/store.js';
import { freshness, type Fresh } from '../verify/freshness.js';
import type { CertificateOutcome, CertificateVerification } from './certificate.js';

const DAY = 86_400_000;

/** The outcome of a certificate with nothing to do, or undefined when it needs the full path. */
export async function freshOutcome(store: StateStore, cert: CertificateConfig, policy: RenewalPolicy, directory: string, now: Date): Promise<CertificateOutcome | undefined> {
  const record = await store.get(cert.name);
  const fresh = freshness(record, cert, policy, now);
  if (typeof fresh === 'string' || (await renewalInfoDue(store, record!, policy, directory, now))) return undefined;
  return {
    name: cert.name,
    decision: fresh.decision,
    verdict: 'ready',
    renewed: false,
    deployed: false,
    issuedSerial: record!.issued!.serial,
    deployedSerial: record!.deployedSerial,
    verification: carriedVerification(record!, fresh, now),
    alerts: [],
  };
}

/** The last verification, as this run's: verified, no alerts, and when it was really checked. */
export function carriedVerification(record: CertificateRecord, fresh: Fresh, now: Date): CertificateVerification {
  const last = record.lastVerification!;
  const served = record.conditions.Verified?.message ?? `every endpoint serves ${last.serial}`;
  return {
    verified: true,
    results: last.results,
    summary: `${served} (checked ${formatDuration(now.getTime() - fresh.checkedAt.getTime())} ago; next check after ${fresh.recheckAt.toISOString()})`,
    problems: [],
    probes: [],
    alerts: [],
    state: { overdue: false, drift: false },
    fresh: { checkedAt: fresh.checkedAt.toISOString(), recheckAt: fresh.recheckAt.toISOString() },
  };
}

/** The observe step would ask the CA for a renewal window now (then the full path does it). */
async function renewalInfoDue(store: StateStore, record: CertificateRecord, policy: RenewalPolicy, directory: string, now: Date): Promise<boolean> {
  const issued = record.issued!;
  if (!policy.ari || issued.directory !== directory) return false;
  const ari = record.ari?.serial === issued.serial ? record.ari : undefined;
  if (ari && Date.parse(ari.nextFetchAt) > now.getTime()) return false;
  return (await renewalInfoOffered(store, directory, now)) !== false;
}

const offered = new Map<string, Promise<boolean | undefined>>();

/**
 * Whether the CA offers renewalInfo at all, remembered in the state store for a day: without it a
 * quiet run against a CA with no ARI (Pebble, many private CAs) would fetch the directory each
 * time only to learn that again. An unreadable directory is not remembered.
 */
function renewalInfoOffered(store: StateStore, directory: string, now: Date): Promise<boolean | undefined> {
  let p = offered.get(directory);
  if (!p) {
    p = (async () => {
      const key = `renewal-info-offered:${directory}`;
      const raw = await store.getValue(key);
      const known = raw ? (JSON.parse(raw) as { offered: boolean; at: string }) : undefined;
      const age = known ? now.getTime() - Date.parse(known.at) : NaN;
      if (known && age >= 0 && age < DAY) return known.offered;
      const answer = await offersRenewalInfo(directory);
      if (answer !== undefined) await store.setValue(key, JSON.stringify({ offered: answer, at: now.toISOString() }));
      return answer;
    })();
    offered.set(directory, p);
  }
  return p;
}

/**
 * `run --recheck due`: a certificate whose last verification still stands (verify/freshness.ts) is
 * not probed again until its policy's `recheckInterval` has passed. When nothing else is due
 * either, it is reported from its freshness view (state/freshness-view.ts), without taking its
 * lock or writing anything: the path that lets a run every few minutes over thousands of
 * certificates cost almost nothing.
 */
import type { CertificateConfig } from '../config/schema.js';
import { formatDuration } from '../util/duration.js';
import { offersRenewalInfo } from '../policy/ari.js';
import type { RenewalPolicy } from '../policy/decide.js';
import { freshnessView, type FreshnessView } from '../state/freshness-view.js';
import type { StateStore } from '../state/store.js';
import { freshness, type Fresh } from '../verify/freshness.js';
import type { CertificateOutcome, CertificateVerification } from './types.js';

const DAY = 86_400_000;

/** Every certificate's view in one read when the store keeps them, else one record at a time. */
export function freshnessViews(store: StateStore): (name: string) => Promise<FreshnessView | undefined> {
  const all = store.freshnessViews?.();
  return async (name) => (await all)?.get(name) ?? (await store.get(name).then((r) => r && freshnessView(r)));
}

/** The outcome of a certificate with nothing to do, or undefined when it needs the full path. */
export async function freshOutcome(
  store: StateStore,
  view: FreshnessView | undefined,
  cert: CertificateConfig,
  policy: RenewalPolicy,
  directory: string,
  now: Date,
): Promise<CertificateOutcome | undefined> {
  const fresh = freshness(view, cert, policy, now);
  if (typeof fresh === 'string' || (await renewalInfoDue(store, view!, policy, directory, now))) return undefined;
  return {
    name: cert.name,
    decision: fresh.decision,
    verdict: 'ready',
    renewed: false,
    deployed: false,
    issuedSerial: view!.issued!.serial,
    deployedSerial: view!.deployedSerial,
    verification: carriedVerification(view!, fresh, now),
    alerts: [],
  };
}

/** The last verification's verdict as this run's: verified, no alerts, no addresses probed now. */
export function carriedVerification(view: FreshnessView, fresh: Fresh, now: Date): CertificateVerification {
  const last = view.lastVerification!;
  return {
    verified: true,
    results: [],
    summary: `all ${last.addresses} address(es) served ${last.serial} when checked ${formatDuration(now.getTime() - fresh.checkedAt.getTime())} ago; next check after ${fresh.recheckAt.toISOString()}`,
    problems: [],
    probes: [],
    alerts: [],
    state: { overdue: false, drift: false },
    fresh: { checkedAt: fresh.checkedAt.toISOString(), recheckAt: fresh.recheckAt.toISOString() },
  };
}

/** The observe step would ask the CA for a renewal window now (then the full path does it). */
async function renewalInfoDue(store: StateStore, view: FreshnessView, policy: RenewalPolicy, directory: string, now: Date): Promise<boolean> {
  const issued = view.issued!;
  if (!policy.ari || issued.directory !== directory) return false;
  const ari = view.ari?.serial === issued.serial ? view.ari : undefined;
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

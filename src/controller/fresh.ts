/**
 * `run --recheck due`: a certificate whose last verification still stands (policy/freshness.ts) is
 * not probed again until its policy's `recheckInterval` has passed. When nothing else is due
 * either, it is reported from its freshness view (state/freshness-view.ts), without taking its
 * lock or writing anything: the path that lets a run every few minutes over thousands of
 * certificates cost almost nothing.
 */
import { sourceLabel, type CertificateConfig } from '../config/schema.js';
import { formatDuration } from '../util/duration.js';
import type { RenewalInfoClient } from '../acme/renewal-info.js';
import { freshness, type Fresh } from '../policy/freshness.js';
import type { RenewalPolicy } from '../policy/types.js';
import { freshnessView, type FreshnessView } from '../state/freshness-view.js';
import type { StateStore } from '../state/store.js';
import { verifyConfigKey } from '../verify/freshness.js';
import type { CertificateOutcome, CertificateVerification } from './types.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Every certificate's view in one read when the store keeps them, else one record at a time. */
export function freshnessViews(store: StateStore): (name: string) => Promise<FreshnessView | undefined> {
  const all = store.freshnessViews?.();
  return async (name) => (await all)?.get(name) ?? (await store.get(name).then((r) => r && freshnessView(r)));
}

/** The outcome of a certificate with nothing to do, or undefined when it needs the full path. */
export async function freshOutcome(
  offers: RenewalInfoOffers,
  view: FreshnessView | undefined,
  cert: CertificateConfig,
  policy: RenewalPolicy,
  directory: string,
  now: Date,
): Promise<CertificateOutcome | undefined> {
  const fresh = freshness(view, { domains: cert.domains, configKey: verifyConfigKey(cert.verify), source: sourceLabel(cert) }, policy, now);
  if (typeof fresh === 'string' || (await renewalInfoDue(offers, view!, policy, directory, now))) return undefined;
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
async function renewalInfoDue(offers: RenewalInfoOffers, view: FreshnessView, policy: RenewalPolicy, directory: string, now: Date): Promise<boolean> {
  const issued = view.issued!;
  if (!policy.ari || issued.directory !== directory) return false;
  const ari = view.ari?.serial === issued.serial ? view.ari : undefined;
  if (ari && Date.parse(ari.nextFetchAt) > now.getTime()) return false;
  return (await offers.offered(directory, now)) !== false;
}

/**
 * Whether the CA offers renewalInfo at all, remembered in the state store for a day: without it a
 * quiet run against a CA with no ARI (Pebble, many private CAs) would fetch the directory each
 * time only to learn that again. An unreadable directory is not stored. One per run; what it
 * keeps in memory expires with the stored answer (an unreadable directory after a minute), so a
 * long-lived owner still notices a CA that starts offering renewalInfo.
 */
export class RenewalInfoOffers {
  private readonly answers = new Map<string, { offered: Promise<boolean | undefined>; until: number }>();

  constructor(
    private readonly store: StateStore,
    private readonly client: RenewalInfoClient,
  ) {}

  offered(directory: string, now: Date): Promise<boolean | undefined> {
    const kept = this.answers.get(directory);
    if (kept && now.getTime() < kept.until) return kept.offered;
    // Until the answer is in, every certificate of the run waits for the same one.
    const entry: { offered: Promise<boolean | undefined>; until: number } = { offered: Promise.resolve(undefined), until: Infinity };
    entry.offered = this.lookup(directory, now).then(
      (answer) => {
        entry.until = answer.until;
        return answer.offered;
      },
      (err: unknown) => {
        entry.until = 0; // a state store that failed is asked again
        throw err;
      },
    );
    this.answers.set(directory, entry);
    return entry.offered;
  }

  private async lookup(directory: string, now: Date): Promise<{ offered: boolean | undefined; until: number }> {
    const key = `renewal-info-offered:${directory}`;
    const raw = await this.store.getValue(key);
    const known = raw ? (JSON.parse(raw) as { offered: boolean; at: string }) : undefined;
    const at = known ? Date.parse(known.at) : NaN;
    const age = now.getTime() - at;
    if (known && age >= 0 && age < DAY) return { offered: known.offered, until: at + DAY };
    const offered = await this.client.offered(directory);
    if (offered === undefined) return { offered, until: now.getTime() + MINUTE };
    await this.store.setValue(key, JSON.stringify({ offered, at: now.toISOString() }));
    return { offered, until: now.getTime() + DAY };
  }
}

/**
 * Watched endpoints as `status`, `--json`, the status page and /metrics show them: from the last
 * sweep's records only (no network), most urgent first. Plain data, safe to print or serve.
 */
import type { WatchConfig } from '../config/schema.js';
import { LISTED_ORIGIN, type WatchCondition, type WatchConditionType, type WatchDocument, type WatchedAddress } from './record.js';

const DAY = 86_400_000;

/** Most urgent first: what is broken for users now, then what will be, then the rest. */
const URGENCY: WatchConditionType[] = ['expired', 'unreachable', 'drift_detected', 'chain_problem', 'expiring_soon'];

export type WatchedState = 'ok' | 'problem' | 'unchecked';

export interface WatchedView {
  name: string;
  host: string;
  port: number;
  sni: string | null;
  origin: string;
  state: WatchedState;
  conditions: WatchCondition[];
  /** Distinct serials served at the last sweep (more than one: the addresses disagree). */
  serials: string[];
  expectSerial: string | null;
  issuer: string | null;
  notBefore: string | null;
  notAfter: string | null;
  /** The earliest expiry anywhere in a served chain (blackbox_exporter's probe_ssl_earliest_cert_expiry). */
  chainExpiry: string | null;
  /** Whole days left until notAfter (negative once expired). */
  remainingDays: number | null;
  checkedAt: string | null;
  changed: { from: string; to: string; at: string } | null;
  addresses: WatchedAddress[];
}

/**
 * Every endpoint watched now: the listed ones (in config order; "unchecked" before their first
 * sweep), then what the sources gave at the last sweep; sorted most urgent first.
 */
export function watchedViews(doc: WatchDocument, watch: WatchConfig | undefined, now: Date): WatchedView[] {
  if (!watch) return [];
  const views: WatchedView[] = [];
  const listed = new Set<string>();
  for (const ep of watch.endpoints) {
    listed.add(ep.name);
    const r = doc.records[ep.name];
    if (r) views.push(viewOf(r, now));
    else {
      views.push({
        name: ep.name,
        host: ep.host,
        port: ep.port,
        sni: ep.sni ?? null,
        origin: LISTED_ORIGIN,
        state: 'unchecked',
        conditions: [],
        serials: [],
        expectSerial: ep.expectSerial ?? null,
        issuer: null,
        notBefore: null,
        notAfter: null,
        chainExpiry: null,
        remainingDays: null,
        checkedAt: null,
        changed: null,
        addresses: [],
      });
    }
  }
  if (watch.sources.length > 0) for (const r of Object.values(doc.records)) if (r.source && !listed.has(r.name)) views.push(viewOf(r, now));
  return views.sort(byUrgency);
}

function viewOf(r: WatchDocument['records'][string], now: Date): WatchedView {
  return {
    name: r.name,
    host: r.host,
    port: r.port,
    sni: r.sni ?? null,
    origin: r.origin,
    state: r.conditions.length > 0 ? 'problem' : 'ok',
    conditions: r.conditions,
    serials: r.serials,
    expectSerial: r.expectSerial ?? null,
    issuer: r.issuer ?? null,
    notBefore: r.notBefore ?? null,
    notAfter: r.notAfter ?? null,
    chainExpiry: r.chainExpiry ?? null,
    remainingDays: r.notAfter ? Math.floor((Date.parse(r.notAfter) - now.getTime()) / DAY) : null,
    checkedAt: r.checkedAt,
    changed: r.changed ?? null,
    addresses: r.addresses,
  };
}

function rank(v: WatchedView): number {
  const worst = Math.min(...v.conditions.map((c) => URGENCY.indexOf(c.type)));
  return Number.isFinite(worst) ? worst : v.state === 'unchecked' ? URGENCY.length : URGENCY.length + 1;
}

function byUrgency(a: WatchedView, b: WatchedView): number {
  return rank(a) - rank(b) || (a.notAfter ?? '~').localeCompare(b.notAfter ?? '~') || a.name.localeCompare(b.name);
}

/** "EXPIRED", "EXPIRING", … for the one-line forms: the most urgent condition, or ok. */
export function watchedMark(v: WatchedView): string {
  const worst = URGENCY.find((t) => v.conditions.some((c) => c.type === t));
  const mark: Record<WatchConditionType, string> = { expired: 'EXPIRED', unreachable: 'FAILED', drift_detected: 'DRIFT', chain_problem: 'CHAIN', expiring_soon: 'EXPIRING' };
  return worst ? mark[worst] : v.state === 'unchecked' ? 'unchecked' : 'ok';
}

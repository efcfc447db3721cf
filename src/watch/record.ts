/**
 * What certloop remembers about watched endpoints (issue 18): per endpoint, what every address
 * served at the last sweep and the conditions that held, so the next sweep can tell what changed
 * and status, the status page and /metrics show it without probing.
 *
 * One document in the state store ("watch/records"), written once per sweep: a sweep of 10,000
 * endpoints is one write, not 10,000 (bench/watch.ts), and a reader gets one consistent sweep.
 * Two processes sweeping at once both write whole sweeps; the last one wins, which loses nothing
 * a next sweep would not see again. Values only: serials, names, dates, messages; never keys.
 */
import type { StateStore } from '../state/store.js';
import type { DiscoveredEndpoint } from '../plugins.js';

export const WATCH_RECORDS_KEY = 'watch/records';

/** The origin of an endpoint listed in the config (a source's endpoints name where they were found). */
export const LISTED_ORIGIN = 'watch.endpoints';

export const WATCH_CONDITIONS = ['expired', 'expiring_soon', 'chain_problem', 'drift_detected', 'unreachable'] as const;
export type WatchConditionType = (typeof WATCH_CONDITIONS)[number];

export interface WatchCondition {
  type: WatchConditionType;
  message: string;
  /** When it first held (kept while it keeps holding). */
  since: string;
}

/** What one address served. */
export interface WatchedAddress {
  address: string;
  serial?: string;
  issuer?: string;
  notBefore?: string;
  notAfter?: string;
  /** The earliest notAfter of the served chain, leaf and intermediates (blackbox_exporter's probe_ssl_earliest_cert_expiry). */
  chainExpiry?: string;
  /** No certificate read: why. */
  error?: string;
  /** Failed checks of the served certificate and chain: chain-trusted, chain-complete, chain-valid, name-matches. */
  problems?: { check: string; message: string }[];
  /** With expectSerial: whether this address serves it. */
  matches?: boolean;
}

export interface WatchRecord {
  name: string;
  host: string;
  port: number;
  sni?: string;
  /** "watch.endpoints" or where a source found it ("file ./inventory.txt, line 4"). */
  origin: string;
  /** The source id, for endpoints a source yielded. */
  source?: string;
  expectSerial?: string;
  checkedAt: string;
  /** verify/freshness-style key of the settings probed: `run --recheck due` trusts only a check of what is configured now. */
  configKey: string;
  /** Distinct serials served, sorted; more than one: the addresses disagree. */
  serials: string[];
  issuer?: string;
  /** The earliest leaf notAfter over the addresses. */
  notAfter?: string;
  notBefore?: string;
  /** The earliest notAfter anywhere in a served chain. */
  chainExpiry?: string;
  addresses: WatchedAddress[];
  conditions: WatchCondition[];
  /** The last time the served serials changed. */
  changed?: { from: string; to: string; at: string };
  /** The smallest expiring threshold (ms) already announced for these serials. */
  alertedThresholdMs?: number;
}

/** A source's last listing: its endpoints stay watched while it fails. */
export interface SourceRecord {
  id: string;
  description: string;
  listedAt?: string;
  endpoints: DiscoveredEndpoint[];
  error?: string;
  failedAt?: string;
}

export interface WatchDocument {
  version: 1;
  sweptAt?: string;
  records: Record<string, WatchRecord>;
  sources: Record<string, SourceRecord>;
}

export function emptyWatchDocument(): WatchDocument {
  return { version: 1, records: {}, sources: {} };
}

export async function readWatchDocument(store: Pick<StateStore, 'getValue'>): Promise<WatchDocument> {
  const raw = await store.getValue(WATCH_RECORDS_KEY);
  if (!raw) return emptyWatchDocument();
  const doc = JSON.parse(raw) as WatchDocument;
  return doc.version === 1 ? doc : emptyWatchDocument();
}

export async function writeWatchDocument(store: Pick<StateStore, 'setValue'>, doc: WatchDocument): Promise<void> {
  await store.setValue(WATCH_RECORDS_KEY, JSON.stringify(doc));
}

/** The records of the endpoints watched now (`names`), in that order; an endpoint never swept has none. */
export function recordsOf(doc: WatchDocument, names: Iterable<string>): WatchRecord[] {
  const out: WatchRecord[] = [];
  for (const n of names) {
    const r = doc.records[n];
    if (r) out.push(r);
  }
  return out;
}

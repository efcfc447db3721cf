/**
 * `certloop discover`: list every watch source, then sort what they name into managed (a
 * certificate covers it), watched (listed by name) and unlisted, the names nobody listed. Each
 * unlisted name is tried once for a TLS answer on its port, a bounded number at a time, so names
 * that serve no TLS there (mail hosts, old records) can be shown apart instead of as problems.
 */
import pLimit from 'p-limit';
import { CertloopError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { DiscoveredEndpoint, WatchSource } from '../plugins.js';
import type { Lookup } from '../verify/resolver.js';
import { answersTls, type TlsAnswer } from './answers-tls.js';
import { endpointKey, knownEndpoints, type KnownConfig, type Standing } from './known.js';

/** Sources whose names someone wrote down: what they list counts as watched, not discovered. */
const INVENTORY_TYPES: ReadonlySet<string> = new Set(['file']);

export interface SourceEntry {
  type: string;
  source: WatchSource;
}

export interface DiscoverInput {
  config: KnownConfig;
  sources: SourceEntry[];
  log: Logger;
  lookup: Lookup;
  /** Deadline of one TLS connection attempt. */
  timeoutMs: number;
  /** TLS attempts at once. */
  concurrency: number;
  signal: AbortSignal;
}

export interface SourceResult {
  id: string;
  type: string;
  description: string;
  ok: boolean;
  endpoints: number;
  durationMs: number;
  error?: { code: string; message: string };
}

export interface DiscoveredName {
  host: string;
  port: number;
  /** Every place that named it. */
  origins: string[];
  standing: Standing;
  /** Only for unlisted names. */
  tls?: TlsAnswer;
}

export interface DiscoverReport {
  sources: SourceResult[];
  /** Every distinct host:port the sources named, sorted by host then port. */
  names: DiscoveredName[];
}

async function listSource(entry: SourceEntry, input: DiscoverInput): Promise<{ result: SourceResult; endpoints: DiscoveredEndpoint[] }> {
  const { source, type } = entry;
  const started = Date.now();
  const base = { id: source.id, type, description: source.describe() };
  try {
    const endpoints = await source.list({ signal: input.signal, log: input.log });
    return { result: { ...base, ok: true, endpoints: endpoints.length, durationMs: Date.now() - started }, endpoints };
  } catch (err) {
    const error = err instanceof CertloopError ? { code: err.code, message: err.message } : { code: 'SOURCE_FAILED', message: `watch source ${source.id}: ${(err as Error).message}` };
    input.log.warn({ source: source.id, err: error.message }, 'watch source failed');
    return { result: { ...base, ok: false, endpoints: 0, durationMs: Date.now() - started, error }, endpoints: [] };
  }
}

export async function discover(input: DiscoverInput): Promise<DiscoverReport> {
  const listings = await Promise.all(input.sources.map((entry) => listSource(entry, input)));

  const byKey = new Map<string, { endpoint: DiscoveredEndpoint; origins: string[]; inventory: boolean }>();
  listings.forEach((listing, i) => {
    const inventory = INVENTORY_TYPES.has(input.sources[i].type);
    for (const endpoint of listing.endpoints) {
      const key = endpointKey(endpoint);
      const seen = byKey.get(key);
      if (!seen) byKey.set(key, { endpoint, origins: [endpoint.origin], inventory });
      else {
        if (!seen.origins.includes(endpoint.origin)) seen.origins.push(endpoint.origin);
        seen.inventory ||= inventory;
      }
    }
  });

  const standing = knownEndpoints(input.config);
  const names: DiscoveredName[] = [...byKey.values()].map(({ endpoint, origins, inventory }) => ({
    host: endpoint.host.toLowerCase().replace(/\.$/, ''),
    port: endpoint.port,
    origins,
    standing: standing(endpoint, inventory),
  }));
  names.sort((a, b) => (a.host === b.host ? a.port - b.port : a.host < b.host ? -1 : 1));

  const limit = pLimit(input.concurrency);
  await Promise.all(
    names
      .filter((n) => n.standing.kind === 'unlisted')
      .map((n) =>
        limit(async () => {
          n.tls = input.signal.aborted ? { answered: false, reason: 'not tried (cancelled)' } : await answersTls(n.host, n.port, { lookup: input.lookup, timeoutMs: input.timeoutMs });
        }),
      ),
  );
  return { sources: listings.map((l) => l.result), names };
}

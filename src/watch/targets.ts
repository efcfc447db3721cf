/**
 * What a sweep watches: the endpoints listed under `watch.endpoints`, then those the sources name
 * now. A listed endpoint wins over a source's one with the same host and port, and a name two
 * sources both list is watched once. A source that fails keeps its last listing (its endpoints
 * stay watched) and is reported: a DNS server down for an hour must not make 10,000 names vanish
 * from the dashboards.
 */
import net from 'node:net';
import type { EndpointConfig, WatchConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { DiscoveredEndpoint } from '../plugins.js';
import { createWatchSource } from '../../providers/registry.js';
import { LISTED_ORIGIN, type SourceRecord, type WatchDocument } from './record.js';

export interface WatchTarget {
  name: string;
  endpoint: EndpointConfig;
  expectSerial?: string;
  trust?: string;
  origin: string;
  source?: string;
}

/** `host:port`, with brackets around an IPv6 address: the name of an endpoint a source yields. */
export function endpointKey(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host.toLowerCase()}:${port}`;
}

export function listedTargets(watch: WatchConfig): WatchTarget[] {
  return watch.endpoints.map(({ name, expectSerial, trust, ...endpoint }) => ({ name, endpoint, expectSerial, trust, origin: LISTED_ORIGIN }));
}

export interface TargetList {
  targets: WatchTarget[];
  /** Every source, as listed now (or as last listed, with the error, when it failed now). */
  sources: SourceRecord[];
}

/** The listed endpoints, then each source's (listed now, or its last listing when it fails). */
export async function watchTargets(watch: WatchConfig, previous: WatchDocument, opts: { log: Logger; now: Date; signal?: AbortSignal }): Promise<TargetList> {
  const targets = listedTargets(watch);
  const taken = new Set(targets.map((t) => endpointKey(t.endpoint.host, t.endpoint.port)));
  const sources: SourceRecord[] = [];
  for (const config of watch.sources) {
    const source = await createWatchSource(config);
    const last = previous.sources[source.id];
    let record: SourceRecord;
    try {
      const signal = opts.signal ?? new AbortController().signal;
      const endpoints = await source.list({ signal, log: opts.log });
      record = { id: source.id, description: source.describe(), listedAt: opts.now.toISOString(), endpoints };
      opts.log.debug({ source: source.id, endpoints: endpoints.length }, 'watch source listed');
    } catch (err) {
      const error = describeError(err);
      opts.log.error({ source: source.id, err: error }, `watch source ${source.describe()} failed; its last listing stays watched`);
      record = { id: source.id, description: source.describe(), listedAt: last?.listedAt, endpoints: last?.endpoints ?? [], error, failedAt: opts.now.toISOString() };
    }
    sources.push(record);
    for (const found of record.endpoints) {
      const key = endpointKey(found.host, found.port);
      if (taken.has(key)) continue;
      taken.add(key);
      targets.push(sourcedTarget(found, source.id));
    }
  }
  return { targets, sources };
}

function sourcedTarget(found: DiscoveredEndpoint, source: string): WatchTarget {
  return { name: endpointKey(found.host, found.port), endpoint: { host: found.host, port: found.port }, origin: found.origin, source };
}

/**
 * A zone's names that a client can connect to: what the DNS zone watch sources (axfr,
 * azure-dns) turn into endpoints to watch.
 */
import { relativeName } from './challenge.js';

/** The record types whose owner names a client can connect to. */
export const ADDRESS_TYPES = new Set(['A', 'AAAA', 'CNAME']);

export interface NamedRecord {
  /** The owner name, absolute (with or without the trailing dot). */
  name: string;
  type: string;
}

/**
 * One endpoint per owner name of an A, AAAA or CNAME record and per port, in zone order. A
 * wildcard owner (`*.example.com`) is passed over: it stands for names nobody can list, and no
 * connection can be made to "*". `origin(relative, types)` says where a name came from.
 */
export function zoneEndpoints(
  records: Iterable<NamedRecord>,
  zone: string,
  ports: number[],
  origin: (relative: string, types: string[]) => string,
): { host: string; port: number; origin: string }[] {
  const owners = new Map<string, string[]>();
  for (const r of records) {
    if (!ADDRESS_TYPES.has(r.type)) continue;
    const host = r.name.toLowerCase().replace(/\.$/, '');
    if (host.startsWith('*.') || host === '*') continue;
    const types = owners.get(host);
    if (!types) owners.set(host, [r.type]);
    else if (!types.includes(r.type)) types.push(r.type);
  }
  const out: { host: string; port: number; origin: string }[] = [];
  for (const [host, types] of owners) {
    const text = origin(relativeName(host, zone) ?? host, types);
    for (const port of ports) out.push({ host, port, origin: text });
  }
  return out;
}

/** "A record www", "A, AAAA records @". */
export function recordsText(relative: string, types: string[]): string {
  return `${types.join(', ')} record${types.length > 1 ? 's' : ''} ${relative}`;
}

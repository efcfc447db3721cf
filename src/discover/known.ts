/**
 * Which discovered names certloop already knows: managed (a certificate covers the name, or
 * verifies that very endpoint) or watched by name (listed under watch.endpoints, or in an
 * inventory a `file` source reads). The rest are the names nobody listed.
 */
import type { DiscoveredEndpoint } from '../plugins.js';

export interface KnownConfig {
  certificates: { name: string; domains: string[]; verify: { endpoints: { host: string; port: number }[] } }[];
  watch?: { endpoints: { name: string; host: string; port: number }[] };
}

export type Standing = { kind: 'managed'; certificate: string } | { kind: 'watched'; by: string } | { kind: 'unlisted' };

const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');
export const endpointKey = (e: { host: string; port: number }) => `${bare(e.host)}:${e.port}`;

/** Answers "who knows this endpoint?" for one config; built once, asked per endpoint. */
export function knownEndpoints(config: KnownConfig): (endpoint: DiscoveredEndpoint, listedByInventory: boolean) => Standing {
  const exact = new Map<string, string>();
  const wildcard = new Map<string, string>();
  const verified = new Map<string, string>();
  for (const c of config.certificates) {
    for (const d of c.domains) {
      const name = bare(d);
      if (name.startsWith('*.')) {
        if (!wildcard.has(name.slice(2))) wildcard.set(name.slice(2), c.name);
      } else if (!exact.has(name)) exact.set(name, c.name);
    }
    for (const e of c.verify.endpoints) if (!verified.has(endpointKey(e))) verified.set(endpointKey(e), c.name);
  }
  const watched = new Map<string, string>();
  for (const e of config.watch?.endpoints ?? []) if (!watched.has(endpointKey(e))) watched.set(endpointKey(e), e.name);

  return (endpoint, listedByInventory) => {
    const host = bare(endpoint.host);
    // A wildcard covers exactly one label more (RFC 6125 §6.4.3).
    const parent = host.includes('.') ? host.slice(host.indexOf('.') + 1) : undefined;
    const certificate = verified.get(endpointKey(endpoint)) ?? exact.get(host) ?? (parent !== undefined ? wildcard.get(parent) : undefined);
    if (certificate !== undefined) return { kind: 'managed', certificate };
    const name = watched.get(endpointKey(endpoint));
    if (name !== undefined) return { kind: 'watched', by: `watch.endpoints "${name}"` };
    if (listedByInventory) return { kind: 'watched', by: 'an inventory file' };
    return { kind: 'unlisted' };
  };
}

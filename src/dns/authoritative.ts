/**
 * Which zone a name lives in, and which servers are authoritative for it. The propagation check
 * asks those servers directly: a CA's resolver asks them too, and a recursive resolver in between
 * would only add its cache.
 */
import dns from 'node:dns';
import { formatServer, normalizeName, parseServer, query, rdataText, type DnsServer, type Reply } from './client.js';

export interface LookupOptions {
  /** Recursive resolvers to ask; default: the system's (/etc/resolv.conf). */
  resolvers?: DnsServer[];
  timeoutMs: number;
}

export function systemResolvers(): DnsServer[] {
  return dns.getServers().map((s) => parseServer(s));
}

/** Asks each resolver in turn until one answers (any answer code); throws the last failure. */
async function ask(resolvers: DnsServer[], name: string, type: 'SOA' | 'NS' | 'A' | 'AAAA', opts: { recursion: boolean; timeoutMs: number }): Promise<Reply> {
  let last: unknown = new Error('no DNS resolver configured');
  for (const server of resolvers) {
    try {
      return await query(server, name, type, opts);
    } catch (err) {
      last = new Error(`${formatServer(server)}: ${(err as Error).message}`);
    }
  }
  throw last;
}

/**
 * The zone apex of `name`: the owner of the SOA record a server returns for it, in the answer
 * (name is the apex) or in the authority section (NXDOMAIN/NODATA below the apex). Asking an
 * authoritative server (recursion off) works as well as asking a resolver.
 */
export async function findZone(name: string, servers: DnsServer[], opts: { recursion: boolean; timeoutMs: number }): Promise<string> {
  const reply = await ask(servers, name, 'SOA', opts);
  const soa = [...(reply.answers ?? []), ...(reply.authorities ?? [])].find((r) => r.type === 'SOA');
  const n = normalizeName(name);
  if (soa) {
    const owner = normalizeName(soa.name);
    if (n === owner || n.endsWith(`.${owner}`)) return owner;
  }
  throw new Error(`no SOA record for ${name} from ${servers.map(formatServer).join(', ')} (answer ${reply.rcode}); set zone in the config`);
}

/** The addresses of the zone's NS servers, on port 53 (glue first, then A/AAAA lookups). */
export async function authoritativeServers(zone: string, opts: LookupOptions): Promise<DnsServer[]> {
  const resolvers = opts.resolvers && opts.resolvers.length > 0 ? opts.resolvers : systemResolvers();
  const q = { recursion: true, timeoutMs: opts.timeoutMs };
  const reply = await ask(resolvers, zone, 'NS', q);
  const names = (reply.answers ?? []).filter((r) => r.type === 'NS').map((r) => normalizeName(rdataText(r)));
  if (names.length === 0) {
    throw new Error(`no NS records for zone ${zone} (answer ${reply.rcode}); list the authoritative servers in nameservers`);
  }
  const addresses = new Set<string>();
  for (const ns of names) {
    const glue = (reply.additionals ?? []).filter((r) => (r.type === 'A' || r.type === 'AAAA') && normalizeName(r.name) === ns);
    if (glue.length > 0) {
      glue.forEach((r) => addresses.add(rdataText(r)));
      continue;
    }
    for (const type of ['A', 'AAAA'] as const) {
      const a = await ask(resolvers, ns, type, q).catch(() => undefined);
      (a?.answers ?? []).filter((r) => r.type === type).forEach((r) => addresses.add(rdataText(r)));
    }
  }
  if (addresses.size === 0) throw new Error(`cannot resolve the addresses of ${names.join(', ')} (the NS of ${zone})`);
  return [...addresses].map((host) => ({ host, port: 53 }));
}

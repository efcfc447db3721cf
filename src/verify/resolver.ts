/**
 * Which addresses to probe for an endpoint: every A and AAAA address, because one stale node behind
 * a name is an outage for the clients DNS sends to it. Pinned addresses skip DNS; configured DNS
 * servers (`verify.resolver`) replace the system resolver, e.g. to ask the authoritative servers
 * directly or to see a split-horizon view.
 */
import dns from 'node:dns';
import net from 'node:net';

/** Resolves a host to the addresses to probe (deduplicated, IPv4 first). Throws when there are none. */
export type Resolve = (host: string) => Promise<string[]>;

/** Codes that mean "this family has no record", not "DNS failed". */
const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'ENONAME']);

export class ResolveError extends Error {
  constructor(
    readonly host: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ResolveError';
  }
}

/**
 * A resolver over `servers` ("127.0.0.1:5353", "[::1]:53", "192.0.2.53"), or the system's
 * (getaddrinfo, which also reads /etc/hosts) when none are given.
 */
export function createResolver(servers?: string[], opts: { timeoutMs?: number } = {}): Resolve {
  if (!servers || servers.length === 0) return systemResolve;
  const resolver = new dns.promises.Resolver({ timeout: opts.timeoutMs ?? 2000, tries: 2 });
  resolver.setServers(servers);
  return async (host) => {
    if (net.isIP(host)) return [host];
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const found = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
    if (found.length > 0) return [...new Set(found)];
    // Both failed or both are empty: report the failure that is not "no such record", if any.
    const errors = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason as NodeJS.ErrnoException] : []));
    const real = errors.find((e) => !NO_RECORD.has(String(e.code)));
    if (real) throw new ResolveError(host, String(real.code ?? 'EDNS'), `cannot resolve ${host} with ${servers.join(', ')}: ${real.code ?? real.message}`);
    if (errors.some((e) => e.code === 'ENOTFOUND')) throw new ResolveError(host, 'ENOTFOUND', `cannot resolve ${host}: no such name (NXDOMAIN) at ${servers.join(', ')}`);
    throw new ResolveError(host, 'ENODATA', `cannot resolve ${host}: no A or AAAA record at ${servers.join(', ')}`);
  };
}

async function systemResolve(host: string): Promise<string[]> {
  if (net.isIP(host)) return [host];
  try {
    const found = await dns.promises.lookup(host, { all: true, verbatim: true });
    const v4 = found.filter((a) => a.family === 4).map((a) => a.address);
    const v6 = found.filter((a) => a.family === 6).map((a) => a.address);
    return [...new Set([...v4, ...v6])];
  } catch (err) {
    const code = String((err as NodeJS.ErrnoException).code ?? 'EDNS');
    throw new ResolveError(host, code, `cannot resolve ${host}: ${code}`);
  }
}

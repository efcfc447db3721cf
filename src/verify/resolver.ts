/**
 * Which addresses to probe for an endpoint: every A and AAAA address, because one stale node behind
 * a name is an outage for the clients DNS sends to it. Pinned addresses skip DNS; configured DNS
 * servers (`verify.resolver`) replace the system resolver, e.g. to ask the authoritative servers
 * directly or to see a split-horizon view.
 *
 * A family whose lookup fails (SERVFAIL, REFUSED, no answer) while the other answers is reported,
 * not dropped (issue 15): the clients of that family may reach addresses certloop never saw. The
 * system resolver (getaddrinfo) asked for both families at once hides such a failure and returns
 * what the other family had, so it is asked once per family instead; glibc then reports a failed
 * AAAA query as EAI_AGAIN (SERVFAIL, timeout) or EAI_FAIL (REFUSED, FORMERR). An endpoint with
 * `family: 4` (or 6) asks only that family.
 */
import dns from 'node:dns';
import net from 'node:net';

export type Family = 4 | 6;

/** Resolves a host to the addresses to probe (deduplicated, IPv4 first). Throws when there are none. */
export type Resolve = (host: string) => Promise<string[]>;

/** One family's lookup failed although the host has addresses of the other. */
export interface FamilyFailure {
  family: Family;
  code: string;
  /** "AAAA lookup failed: SERVFAIL". */
  message: string;
}

export interface Resolution {
  addresses: string[];
  failures: FamilyFailure[];
}

/** Resolves a host, only `family` when given; throws when there is no address at all. */
export type Lookup = (host: string, family?: Family) => Promise<Resolution>;

/** Codes that mean "this family has no record", not "DNS failed" (c-ares and getaddrinfo). */
const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'ENONAME', 'EAI_NODATA', 'EAI_NONAME', 'EAI_ADDRFAMILY']);

/** What a failed lookup's code means, in DNS terms an operator recognises. */
const MEANING: Record<string, string> = {
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  ETIMEOUT: 'timeout (no answer)',
  ECONNREFUSED: 'connection refused by the DNS server',
  EFORMERR: 'FORMERR',
  EBADRESP: 'malformed answer',
  EAI_AGAIN: 'EAI_AGAIN (temporary failure: SERVFAIL or no answer)',
  EAI_FAIL: 'EAI_FAIL (non-recoverable failure: REFUSED or FORMERR)',
};

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

const rrtype = (family: Family) => (family === 4 ? 'A' : 'AAAA');

/**
 * A lookup over `servers` ("127.0.0.1:5353", "[::1]:53", "192.0.2.53"), or the system's
 * (getaddrinfo, which also reads /etc/hosts) when none are given. `timeoutMs` bounds each try
 * (c-ares makes two, the second with twice the time) and the system lookup.
 */
export function createLookup(servers?: string[], opts: { timeoutMs?: number } = {}): Lookup {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const where = servers && servers.length > 0 ? ` at ${servers.join(', ')}` : '';
  let query: (host: string, family: Family) => Promise<string[]>;
  if (servers && servers.length > 0) {
    const resolver = new dns.promises.Resolver({ timeout: timeoutMs, tries: 2 });
    resolver.setServers(servers);
    query = (host, family) => (family === 4 ? resolver.resolve4(host) : resolver.resolve6(host));
  } else {
    query = (host, family) => withDeadline(dns.promises.lookup(host, { all: true, family }), 3 * timeoutMs).then((found) => found.map((a) => a.address));
  }
  return async (host, family) => {
    if (net.isIP(host)) return { addresses: [host], failures: [] };
    const families: Family[] = family ? [family] : [4, 6];
    const answers = await Promise.allSettled(families.map((f) => query(host, f)));
    const addresses = [...new Set(answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : [])))];
    const failed = answers.flatMap((a, i) => {
      if (a.status === 'fulfilled') return [];
      const code = String((a.reason as NodeJS.ErrnoException).code ?? 'EDNS');
      return NO_RECORD.has(code) ? [] : [{ family: families[i], code, message: `${rrtype(families[i])} lookup failed: ${MEANING[code] ?? code}` }];
    });
    if (addresses.length > 0) return { addresses, failures: failed };
    // No address at all: report the failure that is not "no such record", if any.
    if (failed.length > 0) throw new ResolveError(host, failed[0].code, `cannot resolve ${host}${where}: ${failed.map((f) => f.message).join('; ')}`);
    const codes = answers.map((a) => (a.status === 'rejected' ? String((a.reason as NodeJS.ErrnoException).code) : 'ENODATA'));
    const records = families.map(rrtype).join(' or ');
    if (codes.every((c) => c === 'ENOTFOUND' || c === 'EAI_NONAME')) {
      throw new ResolveError(host, 'ENOTFOUND', where ? `cannot resolve ${host}: no such name (NXDOMAIN)${where}` : `cannot resolve ${host}: ENOTFOUND`);
    }
    throw new ResolveError(host, 'ENODATA', `cannot resolve ${host}: no ${records} record${where}`);
  };
}

/** Addresses only, failures of one family ignored: for callers that only list what a name has. */
export function createResolver(servers?: string[], opts: { timeoutMs?: number } = {}): Resolve {
  const lookup = createLookup(servers, opts);
  return async (host) => (await lookup(host)).addresses;
}

/** getaddrinfo cannot be cancelled: stop waiting for it (it finishes on its own thread). */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEOUT' })), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

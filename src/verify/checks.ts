/**
 * Named checks on what one address serves. Each passes or fails with a reason a human can act on.
 *
 * Only `serial` decides whether the deployed certificate is served ("verified"). The others are
 * problems of their own, each of which breaks real clients, so each is an alert (exit 1) whatever
 * the serial says:
 * - `chain-trusted`: the served chain leads to a root in the trust store (Node's bundled roots plus
 *   `verify.trust`); otherwise clients refuse the connection.
 * - `chain-complete`: the server sends the intermediates; without them clients that do not fetch
 *   or cache intermediates (most non-browser clients) fail.
 * - `name-matches`: the certificate covers the SNI name (or the IP address when there is no SNI);
 *   a mismatch usually means the request fell through to a default server.
 * - `not-expired`: now is within notBefore..notAfter.
 * - `not-expiring`: more than the policy's `expiringAlertMs` is left (capped at 1/5 of the
 *   certificate's lifetime, so a 6-day certificate is not "expiring" from the day it is issued).
 */
import type { X509Certificate } from 'node:crypto';
import { checkTrust, normalizeSerial, trustedIssuer } from '../pki/certificate.js';
import { formatDuration } from '../util/duration.js';

export const CHECK_NAMES = ['serial', 'chain-trusted', 'chain-complete', 'name-matches', 'not-expired', 'not-expiring'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface AddressCheck {
  name: CheckName;
  ok: boolean;
  message: string;
}

/** Checks whose failure is an alert by itself (everything except the serial, which means "pending"). */
export const ALERT_CHECKS: ReadonlySet<CheckName> = new Set(['chain-trusted', 'chain-complete', 'name-matches', 'not-expired', 'not-expiring']);

export interface CheckInput {
  /** Leaf first, then what the server sent after it. */
  certs: X509Certificate[];
  /** The serial that should be served; without it there is no `serial` check. */
  expectedSerial?: string;
  /** Name the client asked for (SNI); when absent, the address is matched instead. */
  sni?: string;
  address: string;
  roots: X509Certificate[];
  now: Date;
  expiringAlertMs: number;
}

export function checkServed(input: CheckInput): AddressCheck[] {
  const [leaf] = input.certs;
  const checks: AddressCheck[] = [];
  const serial = normalizeSerial(leaf.serialNumber);
  if (input.expectedSerial !== undefined) {
    const ok = serial === input.expectedSerial;
    checks.push({ name: 'serial', ok, message: ok ? `serves ${serial}` : `serves ${serial}, expected ${input.expectedSerial}` });
  }
  checks.push(...chainChecks(input.certs, input.roots));
  checks.push(nameMatches(leaf, input.sni, input.address));
  checks.push(...validity(leaf, input.now, input.expiringAlertMs));
  return checks;
}

/**
 * Trust and completeness depend only on the served certificates and the trust store, and one
 * certificate is usually served by many addresses: judge each distinct chain once per trust store.
 */
const chainCache = new WeakMap<X509Certificate[], Map<string, AddressCheck[]>>();
const CHAIN_CACHE_MAX = 10_000;

function chainChecks(certs: X509Certificate[], roots: X509Certificate[]): AddressCheck[] {
  let cache = chainCache.get(roots);
  if (!cache) chainCache.set(roots, (cache = new Map()));
  const key = certs.map((c) => c.fingerprint256).join('/');
  let found = cache.get(key);
  if (!found) {
    const [leaf, ...served] = certs;
    const trust = checkTrust(leaf, served, roots);
    found = [{ name: 'chain-trusted', ok: trust.ok, message: trust.message }, chainComplete(leaf, served, roots)];
    if (cache.size >= CHAIN_CACHE_MAX) cache.clear();
    cache.set(key, found);
  }
  return found.map((c) => ({ ...c }));
}

function oneLine(dn: string): string {
  return dn.replace(/\n/g, ', ');
}

function signs(parent: X509Certificate, child: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

/**
 * Walk up the served chain. Complete when it ends at a trusted root, a served root, or a CA
 * certificate whose issuer is simply not trusted (that is `chain-trusted`'s problem, not a missing
 * intermediate). Incomplete when the walk stops at a certificate that is not a CA (the leaf sent
 * alone) or a served certificate does not sign the one below it.
 */
export function chainComplete(leaf: X509Certificate, served: X509Certificate[], roots: X509Certificate[]): AddressCheck {
  if (leaf.subject === leaf.issuer && leaf.verify(leaf.publicKey)) {
    return { name: 'chain-complete', ok: true, message: 'self-signed: there is no chain to send' };
  }
  let child = leaf;
  const pool = [...served];
  for (;;) {
    if (trustedIssuer(roots, child)) {
      return { name: 'chain-complete', ok: true, message: `${served.length} intermediate(s) sent; the chain reaches a trusted root` };
    }
    if (child !== leaf && child.checkIssued(child)) return { name: 'chain-complete', ok: true, message: 'the chain is sent up to its root' };
    const i = pool.findIndex((c) => signs(c, child));
    if (i < 0) break;
    child = pool.splice(i, 1)[0];
  }
  if (child === leaf) {
    return {
      name: 'chain-complete',
      ok: false,
      message: served.length === 0
        ? `no intermediate sent: the issuer "${oneLine(leaf.issuer)}" is missing (clients that do not cache it fail)`
        : `the certificates sent after the leaf do not include its issuer "${oneLine(leaf.issuer)}"`,
    };
  }
  if (pool.length > 0) {
    return { name: 'chain-complete', ok: false, message: `${pool.length} certificate(s) sent that are not part of the leaf's chain (wrong order or a stray certificate)` };
  }
  return { name: 'chain-complete', ok: true, message: `${served.length} intermediate(s) sent, up to "${oneLine(child.subject)}"` };
}

function nameMatches(leaf: X509Certificate, sni: string | undefined, address: string): AddressCheck {
  if (sni) {
    const ok = leaf.checkHost(sni) !== undefined;
    return {
      name: 'name-matches',
      ok,
      message: ok ? `covers ${sni}` : `does not cover ${sni} (it names ${names(leaf)}): the request may have fallen to a default server`,
    };
  }
  const ok = leaf.checkIP(address) !== undefined;
  return { name: 'name-matches', ok, message: ok ? `covers the address ${address}` : `no SNI sent and the certificate does not cover ${address} (it names ${names(leaf)})` };
}

function names(leaf: X509Certificate): string {
  return leaf.subjectAltName?.replace(/DNS:/g, '') || oneLine(leaf.subject) || 'nothing';
}

function validity(leaf: X509Certificate, now: Date, expiringAlertMs: number): AddressCheck[] {
  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  if (now < from) return [{ name: 'not-expired', ok: false, message: `not valid before ${from.toISOString()}` }];
  if (now >= to) return [{ name: 'not-expired', ok: false, message: `expired ${formatDuration(now.getTime() - to.getTime())} ago (${to.toISOString()})` }];
  const threshold = Math.min(expiringAlertMs, (to.getTime() - from.getTime()) / 5);
  const left = to.getTime() - now.getTime();
  return [
    { name: 'not-expired', ok: true, message: `valid until ${to.toISOString()}` },
    {
      name: 'not-expiring',
      ok: left > threshold,
      message: left > threshold ? `${formatDuration(left)} left` : `expires in ${formatDuration(left)} (alert threshold ${formatDuration(threshold)})`,
    },
  ];
}

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
 * - `chain-valid`: every certificate of that path may play its part now, as browsers and OpenSSL
 *   require (src/pki/path.ts): each issuer within its validity, a CA (basicConstraints CA:TRUE)
 *   within its pathLen, allowed to sign certificates (keyUsage) and to issue for TLS servers
 *   (extendedKeyUsage); the leaf allowed for TLS servers (keyUsage, extendedKeyUsage).
 * - `name-matches`: the certificate's subjectAltName covers the SNI name (or the IP address when
 *   there is no SNI); the subject's CN is never used: browsers stopped in 2017 (Chrome 58) and
 *   RFC 9525 §6.3 dropped it. A mismatch usually means the request fell through to a default server.
 * - `not-expired`: now is within notBefore..notAfter.
 * - `not-expiring`: more than the policy's `expiringAlertMs` is left (capped at 1/5 of the
 *   certificate's lifetime, so a 6-day certificate is not "expiring" from the day it is issued).
 */
import type { X509Certificate } from 'node:crypto';
import { normalizeSerial, oneLine, trustOf, validityOf } from '../pki/certificate.js';
import { expiringThresholdMs, isExpiring } from '../pki/expiry.js';
import { buildPath, dateProblems, selfSigned, usageProblems, type CertificatePath } from '../pki/path.js';
import { formatDuration } from '../util/duration.js';

export const CHECK_NAMES = ['serial', 'chain-trusted', 'chain-complete', 'chain-valid', 'name-matches', 'not-expired', 'not-expiring'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface AddressCheck {
  name: CheckName;
  ok: boolean;
  message: string;
}

/** Checks whose failure is an alert by itself (everything except the serial, which means "pending"). */
export const ALERT_CHECKS: ReadonlySet<CheckName> = new Set(['chain-trusted', 'chain-complete', 'chain-valid', 'name-matches', 'not-expired', 'not-expiring']);

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
  checks.push(...chainChecks(input.certs, input.roots, input.now));
  checks.push(nameMatches(leaf, input.sni, input.address));
  checks.push(...validity(leaf, input.now, input.expiringAlertMs));
  return checks;
}

/**
 * The path, trust, completeness and the usage rules depend only on the served certificates and the
 * trust store, and one certificate is usually served by many addresses: judge each distinct chain
 * once per trust store. Only the issuers' dates are looked at again, against the clock.
 */
interface JudgedChain {
  path: CertificatePath;
  checks: AddressCheck[];
  usage: string[];
}
const chainCache = new WeakMap<X509Certificate[], Map<string, JudgedChain>>();
const CHAIN_CACHE_MAX = 10_000;

function chainChecks(certs: X509Certificate[], roots: X509Certificate[], now: Date): AddressCheck[] {
  let cache = chainCache.get(roots);
  if (!cache) chainCache.set(roots, (cache = new Map()));
  const key = certs.map((c) => c.fingerprint256).join('/');
  let found = cache.get(key);
  if (!found) {
    const [leaf, ...served] = certs;
    const path = buildPath(leaf, served, roots);
    found = { path, checks: [trustOf(path) as AddressCheck, chainComplete(path, served)], usage: usageProblems(path) };
    if (cache.size >= CHAIN_CACHE_MAX) cache.clear();
    cache.set(key, found);
  }
  const valid = validityOf([...dateProblems(found.path, now), ...found.usage]) as AddressCheck;
  return [...found.checks.map((c) => ({ ...c })), valid];
}

/**
 * Completeness of what was sent, from the path. Complete when it ends at a trusted root, a served
 * root, or a CA certificate whose issuer is simply not trusted (that is `chain-trusted`'s problem,
 * not a missing intermediate). Incomplete when the walk stops at the leaf (sent alone, or without
 * its issuer) or certificates were sent that are not part of the path.
 */
export function chainComplete(path: CertificatePath, served: X509Certificate[]): AddressCheck {
  const [leaf] = path.certs;
  const top = path.certs[path.certs.length - 1];
  if (path.certs.length === 1 && selfSigned(leaf)) return { name: 'chain-complete', ok: true, message: 'self-signed: there is no chain to send' };
  if (path.root) return { name: 'chain-complete', ok: true, message: `${served.length} intermediate(s) sent; the chain reaches a trusted root` };
  if (top !== leaf && selfSigned(top)) return { name: 'chain-complete', ok: true, message: 'the chain is sent up to its root' };
  if (top === leaf) {
    return {
      name: 'chain-complete',
      ok: false,
      message: served.length === 0
        ? `no intermediate sent: the issuer "${oneLine(leaf.issuer)}" is missing (clients that do not cache it fail)`
        : `the certificates sent after the leaf do not include its issuer "${oneLine(leaf.issuer)}"`,
    };
  }
  if (path.unused.length > 0) {
    return { name: 'chain-complete', ok: false, message: `${path.unused.length} certificate(s) sent that are not part of the leaf's chain (wrong order or a stray certificate)` };
  }
  return { name: 'chain-complete', ok: true, message: `${served.length} intermediate(s) sent, up to "${oneLine(top.subject)}"` };
}

function nameMatches(leaf: X509Certificate, sni: string | undefined, address: string): AddressCheck {
  if (!leaf.subjectAltName) {
    return { name: 'name-matches', ok: false, message: `the certificate has no subjectAltName, so it covers no name: clients do not read the subject ("${oneLine(leaf.subject)}") for names` };
  }
  if (sni) {
    const ok = leaf.checkHost(sni, { subject: 'never' }) !== undefined;
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
  const validity = { notBefore: from, notAfter: to };
  const left = to.getTime() - now.getTime();
  const ok = !isExpiring(validity, now, expiringAlertMs);
  return [
    { name: 'not-expired', ok: true, message: `valid until ${to.toISOString()}` },
    {
      name: 'not-expiring',
      ok,
      message: ok ? `${formatDuration(left)} left` : `expires in ${formatDuration(left)} (alert threshold ${formatDuration(expiringThresholdMs(validity, expiringAlertMs))})`,
    },
  ];
}

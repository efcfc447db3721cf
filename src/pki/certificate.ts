/**
 * Certificate facts with Node's native X509Certificate (fast, no forge): serials, chains, names,
 * and the pre-deploy checks that keep a bad certificate away from production.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { uncoveredDomains } from './domains.js';
import { buildPath, pathProblems, type CertificatePath } from './path.js';

/**
 * Serials are shown and compared as upper-case hex without separators or leading zeros, so
 * "00:0a:1b" from openssl, "0A1B" from Node and "a1b" from a human all compare equal.
 */
export function normalizeSerial(serial: string): string {
  const hex = serial.replace(/[^0-9a-fA-F]/g, '').toUpperCase().replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

/**
 * A serial a person typed: hex digits, optionally in groups separated by ":", "-" or spaces
 * (openssl's 0a:1b:2c), optionally after "serial=" as `openssl x509 -serial` prints it.
 * Undefined for anything else, empty text included: normalizeSerial keeps the hex letters of any
 * text, so "serial=7F3C" would become "EA7F3C" and "" would become "0" (issue 15).
 */
export function parseSerial(text: string): string | undefined {
  const m = /^\s*(?:serial=)?([0-9a-f]+(?:[:\s-][0-9a-f]+)*)\s*$/i.exec(text);
  return m ? normalizeSerial(m[1]) : undefined;
}

export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((b) => `${b}\n`) ?? [];
}

export interface CertificateFacts {
  serial: string;
  notBefore: Date;
  notAfter: Date;
  subject: string;
  issuer: string;
  /** DNS names from subjectAltName. */
  dnsNames: string[];
  fingerprint256: string;
}

export function describeCertificate(cert: X509Certificate): CertificateFacts {
  return {
    serial: normalizeSerial(cert.serialNumber),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    dnsNames: parseDnsNames(cert.subjectAltName),
    fingerprint256: cert.fingerprint256,
  };
}

export function parseDnsNames(san: string | undefined): string[] {
  if (!san) return [];
  return san
    .split(/,\s*/)
    .filter((p) => p.startsWith('DNS:'))
    .map((p) => p.slice(4).replace(/^"|"$/g, '').toLowerCase());
}

/** The iPAddress entries of a subjectAltName as Node prints it ("IP Address:192.0.2.10"). */
export function parseIpAddresses(san: string | undefined): string[] {
  if (!san) return [];
  return san
    .split(/,\s*/)
    .filter((p) => p.startsWith('IP Address:'))
    .map((p) => p.slice('IP Address:'.length));
}

export interface CheckResult {
  name: string;
  ok: boolean;
  message: string;
}

/**
 * The checks an issued certificate must pass before it is deployed. Ordered: the first failure is
 * the one reported, but all results are returned for status.
 */
export function checkIssuedCertificate(
  fullchainPem: string,
  keyPem: string,
  domains: string[],
  now: Date,
  roots: X509Certificate[] = systemRootCertificates(),
): CheckResult[] {
  const pems = splitPem(fullchainPem);
  if (pems.length === 0) return [{ name: 'parse', ok: false, message: 'no PEM certificate found in what the CA returned' }];
  let leaf: X509Certificate;
  let chain: X509Certificate[];
  try {
    [leaf, ...chain] = pems.map((p) => new X509Certificate(p));
  } catch (err) {
    return [{ name: 'parse', ok: false, message: `certificate does not parse: ${(err as Error).message}` }];
  }
  const results: CheckResult[] = [];

  let keyMatches = false;
  try {
    keyMatches = leaf.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    keyMatches = false;
  }
  results.push({
    name: 'key-matches',
    ok: keyMatches,
    message: keyMatches ? 'the private key matches the certificate' : 'the private key does not match the certificate',
  });

  const names = parseDnsNames(leaf.subjectAltName);
  // An IP identifier (RFC 8738) is an iPAddress SAN; checkIP compares addresses, whatever their spelling.
  const missing = domains.filter((d) => (net.isIP(d) !== 0 ? leaf.checkIP(d) === undefined : uncoveredDomains([d], names).length > 0));
  results.push({
    name: 'covers-domains',
    ok: missing.length === 0,
    message: missing.length === 0 ? `covers ${domains.join(', ')}` : `does not cover ${missing.join(', ')} (it names ${[...names, ...parseIpAddresses(leaf.subjectAltName)].join(', ') || 'nothing'})`,
  });

  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  const valid = from <= now && now < to;
  results.push({
    name: 'currently-valid',
    ok: valid,
    message: valid ? `valid until ${to.toISOString()}` : `not valid now (valid ${from.toISOString()} to ${to.toISOString()})`,
  });

  results.push(checkChain(leaf, chain));
  // What clients will check on the path they build: up to a root they trust, or the whole chain.
  results.push(validityOf(pathProblems(buildPath(leaf, chain, roots), now)));
  return results;
}

/** The chain is present and each certificate is signed by the next one. */
export function checkChain(leaf: X509Certificate, chain: X509Certificate[]): CheckResult {
  if (chain.length === 0) {
    return { name: 'chain-complete', ok: false, message: 'no intermediate certificate: clients without it cached would fail' };
  }
  let child = leaf;
  for (const parent of chain) {
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      return {
        name: 'chain-complete',
        ok: false,
        message: `"${child.subject.replace(/\n/g, ', ')}" is not signed by the next certificate in the chain ("${parent.subject.replace(/\n/g, ', ')}")`,
      };
    }
    child = parent;
  }
  return { name: 'chain-complete', ok: true, message: `chain of ${chain.length} intermediate(s) verifies` };
}

let systemRoots: X509Certificate[] | undefined;

/** Node's bundled root store, parsed once. */
export function systemRootCertificates(): X509Certificate[] {
  systemRoots ??= tls.rootCertificates.map((pem) => new X509Certificate(pem));
  return systemRoots;
}

export function loadPemCertificates(pem: string): X509Certificate[] {
  return splitPem(pem).map((p) => new X509Certificate(p));
}

/** chain-trusted: the path (path.ts) reaches a root of the trust store. */
export function trustOf(path: CertificatePath): CheckResult {
  if (path.root) return { name: 'chain-trusted', ok: true, message: `chains to trusted root "${oneLine(path.root.subject)}"` };
  const top = path.certs[path.certs.length - 1];
  return {
    name: 'chain-trusted',
    ok: false,
    message: `no trusted root found above "${oneLine(top.subject)}" (issuer "${oneLine(top.issuer)}"): an intermediate is missing or the root is not trusted`,
  };
}

/**
 * Does the served chain lead to a trusted root? Walks leaf → served intermediates → a root from
 * the trust store, checking each signature. Only what the server sent is used: a missing
 * intermediate is a failure here even if a browser could fetch it (many clients cannot).
 */
export function checkTrust(leaf: X509Certificate, served: X509Certificate[], roots: X509Certificate[]): CheckResult {
  return trustOf(buildPath(leaf, served, roots));
}

/** chain-valid: every certificate of the path may play its part now (path.ts). */
export function validityOf(problems: string[]): CheckResult {
  return problems.length === 0
    ? { name: 'chain-valid', ok: true, message: 'every certificate of the path is valid now and may play its part' }
    : { name: 'chain-valid', ok: false, message: problems.join('; ') };
}

export function oneLine(dn: string): string {
  return dn.replace(/\n/g, ', ');
}

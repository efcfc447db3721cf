/**
 * Certificate facts with Node's native X509Certificate (fast, no forge): serials, chains, names,
 * and the pre-deploy checks that keep a bad certificate away from production.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import tls from 'node:tls';

/**
 * Serials are shown and compared as upper-case hex without separators or leading zeros, so
 * "00:0a:1b" from openssl, "0A1B" from Node and "a1b" from a human all compare equal.
 */
export function normalizeSerial(serial: string): string {
  const hex = serial.replace(/[^0-9a-fA-F]/g, '').toUpperCase().replace(/^0+/, '');
  return hex === '' ? '0' : hex;
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
  const missing = domains.filter((d) => !names.includes(d.toLowerCase()));
  results.push({
    name: 'covers-domains',
    ok: missing.length === 0,
    message: missing.length === 0 ? `covers ${domains.join(', ')}` : `does not cover ${missing.join(', ')} (it names ${names.join(', ') || 'nothing'})`,
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

/**
 * Does the served chain lead to a trusted root? Walks leaf → served intermediates → a root from
 * the trust store, checking each signature. Only what the server sent is used: a missing
 * intermediate is a failure here even if a browser could fetch it (many clients cannot).
 */
export function checkTrust(leaf: X509Certificate, served: X509Certificate[], roots: X509Certificate[]): CheckResult {
  let child = leaf;
  const pool = [...served];
  for (let depth = 0; depth <= served.length; depth++) {
    const root = trustedIssuer(roots, child);
    if (root) return { name: 'chain-trusted', ok: true, message: `chains to trusted root "${oneLine(root.subject)}"` };
    const i = pool.findIndex((c) => child.checkIssued(c) && child.verify(c.publicKey));
    if (i < 0) break;
    child = pool.splice(i, 1)[0];
  }
  return {
    name: 'chain-trusted',
    ok: false,
    message: `no trusted root found above "${oneLine(child.subject)}" (issuer "${oneLine(child.issuer)}"): an intermediate is missing or the root is not trusted`,
  };
}

function oneLine(dn: string): string {
  return dn.replace(/\n/g, ', ');
}

const rootsBySubject = new WeakMap<X509Certificate[], Map<string, X509Certificate[]>>();

/**
 * The root of `roots` that issued and signed `cert`, if any. Looked up by name: trying every one
 * of the ~140 bundled roots was a tenth of an idle run's CPU, and a certificate's issuer name is
 * its issuer's subject. Names are compared the way OpenSSL's canonical form does (case and runs
 * of white space do not matter), and checkIssued + verify still decide.
 */
export function trustedIssuer(roots: X509Certificate[], cert: X509Certificate): X509Certificate | undefined {
  let index = rootsBySubject.get(roots);
  if (!index) {
    index = new Map();
    for (const r of roots) index.set(canonicalName(r.subject), [...(index.get(canonicalName(r.subject)) ?? []), r]);
    rootsBySubject.set(roots, index);
  }
  return index.get(canonicalName(cert.issuer))?.find((r) => cert.checkIssued(r) && cert.verify(r.publicKey));
}

function canonicalName(dn: string): string {
  return dn
    .split('\n')
    .map((rdn) => rdn.trim().replace(/\s+/g, ' ').toLowerCase())
    .join('\n');
}

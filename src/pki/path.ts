/**
 * Certification paths as a TLS client builds and judges them: from the leaf through the
 * certificates the server sent to a root of the trust store, then the rules browsers and OpenSSL
 * apply to every certificate of that path (RFC 5280 §6.1), not only to the leaf (issue 15: an
 * expired intermediate and an intermediate with CA:FALSE were reported as fine).
 *
 * Each rule is one OpenSSL applies when Node verifies a server (`ssl_server` purpose, default
 * flags); test/unit/pki/path.test.ts holds the verdicts side by side with a real Node handshake
 * (`authorized`) so they cannot drift apart. What OpenSSL gives as one error code for the whole
 * chain is given here per certificate, with the clock as an argument (drills and pre-deploy checks
 * judge at a simulated time).
 */
import type { X509Certificate } from 'node:crypto';
import { extensionsOf } from './extensions.js';

export interface CertificatePath {
  /** Leaf first, then each issuer as found among the served certificates, then the trusted root when one was reached. */
  certs: X509Certificate[];
  /** The root of the trust store the path ends at; undefined when it reaches none. */
  root?: X509Certificate;
  /** Served certificates that are not part of the path (stray, or above the trusted root). */
  unused: X509Certificate[];
}

/**
 * Walks up from the leaf: at each step a root of the trust store that signed the certificate ends
 * the path; otherwise the served certificate that signed it is next. Stops at a self-signed
 * certificate or when nothing sent signed the last one. A certificate is found by its issuer's
 * name and the signature alone: a key usage that forbids signing is reported by pathProblems,
 * not hidden as a missing issuer.
 */
export function buildPath(leaf: X509Certificate, served: X509Certificate[], roots: X509Certificate[]): CertificatePath {
  const certs = [leaf];
  const pool = [...served];
  for (;;) {
    const child = certs[certs.length - 1];
    const root = trustedIssuer(roots, child);
    // A leaf trusted as it is (a pinned self-signed certificate) is its own anchor, not its issuer.
    if (root) return root.fingerprint256 === child.fingerprint256 ? { certs, root: child, unused: pool } : { certs: [...certs, root], root, unused: pool };
    if (selfSigned(child)) break;
    const i = pool.findIndex((c) => issuedBy(child, c));
    if (i < 0) break;
    certs.push(pool.splice(i, 1)[0]);
  }
  return { certs, unused: pool };
}

export function selfSigned(cert: X509Certificate): boolean {
  return issuedBy(cert, cert);
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return canonicalName(child.issuer) === canonicalName(parent.subject) && child.verify(parent.publicKey);
}

const rootsBySubject = new WeakMap<X509Certificate[], Map<string, X509Certificate[]>>();

/**
 * The root of `roots` that issued and signed `cert`, if any. Looked up by name: trying every one
 * of the ~140 bundled roots was a tenth of an idle run's CPU, and a certificate's issuer name is
 * its issuer's subject. Names are compared the way OpenSSL's canonical form does (case and runs
 * of white space do not matter), and the signature decides.
 */
export function trustedIssuer(roots: X509Certificate[], cert: X509Certificate): X509Certificate | undefined {
  let index = rootsBySubject.get(roots);
  if (!index) {
    index = new Map();
    for (const r of roots) index.set(canonicalName(r.subject), [...(index.get(canonicalName(r.subject)) ?? []), r]);
    rootsBySubject.set(roots, index);
  }
  return index.get(canonicalName(cert.issuer))?.find((r) => cert.verify(r.publicKey));
}

function canonicalName(dn: string): string {
  return dn
    .split('\n')
    .map((rdn) => rdn.trim().replace(/\s+/g, ' ').toLowerCase())
    .join('\n');
}

/** id-kp-serverAuth (RFC 5280 §4.2.1.12). */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/**
 * What is wrong with the path, one sentence per problem, naming the certificate. Split in two so a
 * caller can keep the part that does not depend on the clock for each distinct chain:
 * `usageProblems` (basicConstraints, pathLen, keyUsage, extendedKeyUsage) and `dateProblems`
 * (validity of every issuer; the leaf's own dates are the caller's: they get their own check).
 */
export function pathProblems(path: CertificatePath, now: Date): string[] {
  return [...dateProblems(path, now), ...usageProblems(path)];
}

export function dateProblems(path: CertificatePath, now: Date): string[] {
  const out: string[] = [];
  const t = now.getTime();
  path.certs.forEach((cert, i) => {
    if (i === 0) return;
    const { from, to } = validity(cert);
    if (t < from) out.push(`${role(path, i)} ${label(cert)} is not valid before ${new Date(from).toISOString()}`);
    else if (t >= to) out.push(`${role(path, i)} ${label(cert)} expired ${new Date(to).toISOString()}`);
  });
  return out;
}

const validities = new WeakMap<X509Certificate, { from: number; to: number }>();

/** notBefore and notAfter in ms, read once per certificate: every address serving it asks again. */
function validity(cert: X509Certificate): { from: number; to: number } {
  let v = validities.get(cert);
  if (!v) validities.set(cert, (v = { from: Date.parse(cert.validFrom), to: Date.parse(cert.validTo) }));
  return v;
}

export function usageProblems(path: CertificatePath): string[] {
  const out: string[] = [];
  const [leaf] = path.certs;
  const leafEku = leaf.keyUsage;
  if (leafEku && !leafEku.includes(SERVER_AUTH)) out.push(`the leaf ${label(leaf)} is not for TLS servers (extendedKeyUsage ${leafEku.join(', ')} lacks serverAuth)`);
  const leafKu = extensionsOf(leaf).keyUsage;
  if (leafKu && !leafKu.has('digitalSignature') && !leafKu.has('keyEncipherment')) {
    out.push(`the leaf ${label(leaf)} may not be used for TLS (keyUsage ${[...leafKu].join(', ') || 'empty'} has neither digitalSignature nor keyEncipherment)`);
  }
  path.certs.forEach((cert, i) => {
    if (i === 0) return;
    const { basicConstraints: bc, keyUsage: ku } = extensionsOf(cert);
    // Intermediate CAs between this one and the leaf; self-issued ones do not count (RFC 5280 §4.2.1.9).
    const below = path.certs.slice(1, i).filter((c) => !selfIssued(c)).length;
    const what = `${role(path, i)} ${label(cert)}`;
    const anchor = cert === path.root;
    // A trust anchor may predate basicConstraints (X.509 v1 roots); one that says CA:FALSE may not issue.
    if (!bc) {
      if (!anchor) out.push(`${what} is not a CA (it has no basicConstraints)`);
    } else if (!bc.ca) out.push(`${what} is not a CA (basicConstraints CA:FALSE)`);
    else if (bc.pathLen !== undefined && below > bc.pathLen) {
      out.push(`${what} allows ${bc.pathLen} intermediate CA(s) below it (pathLen ${bc.pathLen}) and there are ${below}`);
    }
    if (ku && !ku.has('keyCertSign')) out.push(`${what} may not sign certificates (keyUsage ${[...ku].join(', ') || 'empty'} lacks keyCertSign)`);
    const eku = cert.keyUsage;
    if (!anchor && eku && !eku.includes(SERVER_AUTH)) out.push(`${what} may not issue TLS server certificates (extendedKeyUsage ${eku.join(', ')} lacks serverAuth)`);
  });
  return out;
}

function selfIssued(cert: X509Certificate): boolean {
  return canonicalName(cert.subject) === canonicalName(cert.issuer);
}

function role(path: CertificatePath, i: number): string {
  return path.certs[i] === path.root ? 'root' : 'intermediate';
}

/** The certificate's common name when it has one (what people call it), else its whole subject. */
export function label(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return `"${cn ?? cert.subject.replace(/\n/g, ', ')}"`;
}

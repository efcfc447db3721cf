/**
 * Certificate chains for tests, made in-process: RSA keys from node:crypto (native, fast) and
 * certificates signed with node-forge, so dates (an expired leaf), names and chains (a root, an
 * intermediate, a leaf) are exactly what a test asks for.
 */
import { execFileSync } from 'node:child_process';
import { constants, generateKeyPairSync, privateEncrypt, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

export interface Issued {
  certPem: string;
  keyPem: string;
  serial: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

const DAY = 86_400_000;

function newKey(): { keyPem: string; key: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { keyPem, key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function serialHex(): string {
  // Positive, no leading zero byte: what Node and certloop print back (upper-case, no leading zeros).
  const b = randomBytes(12);
  b[0] = (b[0] & 0x7f) | 0x10;
  return b.toString('hex').toUpperCase();
}

export interface MakeOptions {
  cn: string;
  /** DNS names (subjectAltName) for a leaf. */
  names?: string[];
  ca?: boolean;
  issuer?: Issued;
  notBefore?: Date;
  notAfter?: Date;
  /** A CA's basicConstraints pathLenConstraint. */
  pathLen?: number;
  /** basicConstraints cA as written, when it should differ from `ca` (a CA-shaped certificate that says CA:FALSE). */
  caFlag?: boolean;
  /** keyUsage bits instead of the defaults (forge names: keyCertSign, digitalSignature, ...). */
  keyUsage?: string[];
  /** extKeyUsage purposes instead of the default (serverAuth for a leaf, none for a CA). */
  extKeyUsage?: string[];
  /** Leave subjectAltName out: a leaf named only by its subject's CN. */
  noSan?: boolean;
  /** Reuse this certificate's key pair (a new RSA key costs ~170 ms here; a table of chains needs many certificates, not many keys). */
  keyOf?: Issued;
}

export function makeCertificate(o: MakeOptions): Issued {
  const { keyPem, key, publicKey } = o.keyOf ? { keyPem: o.keyOf.keyPem, key: o.keyOf.key, publicKey: o.keyOf.cert.publicKey as forge.pki.rsa.PublicKey } : newKey();
  const cert = certify(o, publicKey, key, keyPem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem, serial: cert.serialNumber.toUpperCase(), cert, key };
}

/**
 * What a CA's finalize does with a PKCS#10 CSR (RSA keys: node-forge reads no others): a leaf for
 * the CSR's public key and names, signed by `issuer`. `names` overrides the CSR's (a CA that
 * leaves one out, for the pre-deploy check to catch).
 */
export function certifyCsr(csrPem: string, o: { issuer: Issued; notBefore: Date; notAfter: Date; names?: string[] }): { certPem: string; serial: string } {
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  if (!csr.verify()) throw new Error('the CSR signature does not verify');
  const requested = (csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: { name: string; altNames?: { value: string }[] }[] } | null)?.extensions
    ?.find((e) => e.name === 'subjectAltName')
    ?.altNames?.map((a) => a.value);
  const names = o.names ?? requested ?? [];
  const cert = certify({ cn: names[0] ?? 'no name', names, issuer: o.issuer, notBefore: o.notBefore, notAfter: o.notAfter }, csr.publicKey as forge.pki.rsa.PublicKey);
  return { certPem: forge.pki.certificateToPem(cert), serial: cert.serialNumber.toUpperCase() };
}

/**
 * Another CA's public key and subject under a new issuer (a cross-signed copy, as CAs publish to
 * chain a new root to an old one): what it certifies verifies with the original's signatures.
 */
export function crossSign(caPem: string, o: Omit<MakeOptions, 'cn' | 'ca'> & { issuer: Issued }): { certPem: string; serial: string } {
  const original = forge.pki.certificateFromPem(caPem);
  const cn = original.subject.getField('CN')?.value as string;
  const cert = certify({ ...o, cn, ca: true, subject: original.subject.attributes }, original.publicKey as forge.pki.rsa.PublicKey);
  return { certPem: forge.pki.certificateToPem(cert), serial: cert.serialNumber.toUpperCase() };
}

function certify(o: MakeOptions & { subject?: forge.pki.CertificateField[] }, publicKey: forge.pki.rsa.PublicKey, key?: forge.pki.rsa.PrivateKey, keyPem?: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialHex();
  cert.validity.notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = o.notAfter ?? new Date(Date.now() + 90 * DAY);
  const subject = o.subject ?? [{ name: 'commonName', value: o.cn }];
  cert.setSubject(subject);
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : subject);
  const flags = (names: string[]) => Object.fromEntries(names.map((n) => [n, true]));
  const extensions: object[] = [{ name: 'basicConstraints', cA: o.caFlag ?? o.ca === true, ...(o.pathLen !== undefined ? { pathLenConstraint: o.pathLen } : {}), critical: true }];
  extensions.push({ name: 'keyUsage', ...flags(o.keyUsage ?? (o.ca ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : ['digitalSignature', 'keyEncipherment'])), critical: true });
  const eku = o.extKeyUsage ?? (o.ca ? [] : ['serverAuth']);
  if (eku.length > 0) extensions.push({ name: 'extKeyUsage', ...flags(eku) });
  if (!o.ca && !o.noSan) {
    extensions.push({ name: 'subjectAltName', altNames: (o.names ?? [o.cn]).map((n) => (/^[\d.]+$|:/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })) });
  }
  extensions.push({ name: 'subjectKeyIdentifier' });
  if (o.issuer) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: o.issuer.cert.generateSubjectKeyIdentifier().getBytes() });
  cert.setExtensions(extensions);
  const signer = o.issuer?.keyPem ?? keyPem;
  if (!signer) throw new Error('a self-signed certificate needs its own key');
  cert.sign(nativeSigner(signer), forge.md.sha256.create());
  return cert;
}

/** SHA-256 DigestInfo prefix (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * RSA PKCS#1 v1.5 signatures from node:crypto for forge: forge's own takes ~100 ms per 2048-bit
 * signature in JavaScript here, OpenSSL about 2 ms.
 */
function nativeSigner(keyPem: string): forge.pki.rsa.PrivateKey {
  const sign = (md: forge.md.MessageDigest) => {
    const digest = Buffer.from(md.digest().getBytes(), 'binary');
    return privateEncrypt({ key: keyPem, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest])).toString('binary');
  };
  return { sign } as unknown as forge.pki.rsa.PrivateKey;
}

export interface Pki {
  root: Issued;
  intermediate: Issued;
  /** A leaf for `names`, signed by the intermediate. */
  leaf(names: string[], dates?: { notBefore?: Date; notAfter?: Date }): Issued;
}

/** A root → intermediate → leaf hierarchy, the shape of a public CA. */
export function makePki(name = 'certloop test'): Pki {
  const root = makeCertificate({ cn: `${name} root`, ca: true, notAfter: new Date(Date.now() + 3650 * DAY) });
  const intermediate = makeCertificate({ cn: `${name} intermediate`, ca: true, issuer: root, notAfter: new Date(Date.now() + 1825 * DAY) });
  return {
    root,
    intermediate,
    leaf: (names, dates = {}) => makeCertificate({ cn: names[0], names, issuer: intermediate, ...dates }),
  };
}

export const days = (n: number) => new Date(Date.now() + n * DAY);

/**
 * An ECDSA P-256 leaf for `names` signed by `issuer`, made with openssl (node-forge signs RSA only):
 * for servers that hold an ECDSA and an RSA certificate at once. An IP address among `names`
 * becomes an iPAddress entry (RFC 8738 certificates).
 */
export function makeEcdsaLeaf(issuer: Issued, names: string[]): Omit<Issued, 'cert' | 'key'> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-ecdsa-'));
  try {
    const f = (n: string) => path.join(dir, n);
    fs.writeFileSync(f('ca.pem'), issuer.certPem);
    fs.writeFileSync(f('ca.key'), issuer.keyPem);
    fs.writeFileSync(f('ext'), `subjectAltName=${names.map((n) => (net.isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
    const serial = serialHex();
    const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', `/CN=${names[0]}`]);
    run(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', `0x${serial}`, '-days', '30', '-sha256', '-extfile', f('ext'), '-out', f('leaf.pem')]);
    return { certPem: fs.readFileSync(f('leaf.pem'), 'utf8'), keyPem: fs.readFileSync(f('leaf.key'), 'utf8'), serial };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

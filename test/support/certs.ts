/**
 * Certificate chains for tests, made in-process: RSA keys from node:crypto (native, fast) and
 * certificates signed with node-forge, so dates (an expired leaf), names and chains (a root, an
 * intermediate, a leaf) are exactly what a test asks for.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
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
}

export function makeCertificate(o: MakeOptions): Issued {
  const { keyPem, key, publicKey } = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  const serial = serialHex();
  cert.serialNumber = serial;
  cert.validity.notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = o.notAfter ?? new Date(Date.now() + 90 * DAY);
  const subject = [{ name: 'commonName', value: o.cn }];
  cert.setSubject(subject);
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [{ name: 'basicConstraints', cA: o.ca === true, critical: true }];
  if (o.ca) extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  else {
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({ name: 'extKeyUsage', serverAuth: true });
    extensions.push({ name: 'subjectAltName', altNames: (o.names ?? [o.cn]).map((n) => (/^[\d.]+$|:/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })) });
  }
  extensions.push({ name: 'subjectKeyIdentifier' });
  if (o.issuer) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: o.issuer.cert.generateSubjectKeyIdentifier().getBytes() });
  cert.setExtensions(extensions);
  cert.sign(o.issuer?.key ?? key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem, serial, cert, key };
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
 * for servers that hold an ECDSA and an RSA certificate at once.
 */
export function makeEcdsaLeaf(issuer: Issued, names: string[]): Omit<Issued, 'cert' | 'key'> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-ecdsa-'));
  try {
    const f = (n: string) => path.join(dir, n);
    fs.writeFileSync(f('ca.pem'), issuer.certPem);
    fs.writeFileSync(f('ca.key'), issuer.keyPem);
    fs.writeFileSync(f('ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
    const serial = serialHex();
    const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', `/CN=${names[0]}`]);
    run(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', `0x${serial}`, '-days', '30', '-sha256', '-extfile', f('ext'), '-out', f('leaf.pem')]);
    return { certPem: fs.readFileSync(f('leaf.pem'), 'utf8'), keyPem: fs.readFileSync(f('leaf.key'), 'utf8'), serial };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The two X.509 extensions path validation needs and Node's X509Certificate does not expose:
 * basicConstraints' pathLenConstraint and the keyUsage bits (`ca` folds both into one boolean, and
 * its `keyUsage` is the *extended* key usage). Read from the DER with a minimal reader: a
 * certificate Node has parsed is well-formed, so only the walk to the extensions is needed
 * (RFC 5280 §4.1, §4.2.1.3, §4.2.1.9).
 */
import type { X509Certificate } from 'node:crypto';

export interface CertificateExtensions {
  /** Absent when the certificate has no basicConstraints extension. */
  basicConstraints?: { ca: boolean; pathLen?: number };
  /** Absent when the certificate has no keyUsage extension (then every usage is allowed). */
  keyUsage?: Set<KeyUsage>;
}

/** RFC 5280 §4.2.1.3, in bit order. */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

const BASIC_CONSTRAINTS = '551d13'; // 2.5.29.19
const KEY_USAGE = '551d0f'; // 2.5.29.15

interface Tlv {
  tag: number;
  /** Offset of the value. */
  start: number;
  /** Offset just past the value. */
  end: number;
}

function tlv(der: Buffer, at: number): Tlv {
  const tag = der[at];
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
    start += bytes;
  }
  const end = start + length;
  if (tag === undefined || end > der.length) throw new Error('truncated DER');
  return { tag, start, end };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = tlv(der, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

const cache = new WeakMap<X509Certificate, CertificateExtensions>();

/** The certificate's basicConstraints and keyUsage; {} when the DER cannot be walked. */
export function extensionsOf(cert: X509Certificate): CertificateExtensions {
  let found = cache.get(cert);
  if (!found) {
    try {
      found = readExtensions(cert.raw);
    } catch {
      found = {};
    }
    cache.set(cert, found);
  }
  return found;
}

function readExtensions(der: Buffer): CertificateExtensions {
  const certificate = tlv(der, 0);
  const tbs = tlv(der, certificate.start);
  // [3] EXPLICIT Extensions, the last optional field of TBSCertificate.
  const wrapper = children(der, tbs).find((t) => t.tag === 0xa3);
  if (!wrapper) return {};
  const out: CertificateExtensions = {};
  for (const ext of children(der, children(der, wrapper)[0])) {
    const parts = children(der, ext);
    const oid = der.subarray(parts[0].start, parts[0].end).toString('hex');
    // extnValue is the last part (critical, a BOOLEAN, may come between).
    const value = parts[parts.length - 1];
    if (oid === BASIC_CONSTRAINTS) out.basicConstraints = basicConstraints(der, tlv(der, value.start));
    else if (oid === KEY_USAGE) out.keyUsage = keyUsage(der, tlv(der, value.start));
  }
  return out;
}

function basicConstraints(der: Buffer, seq: Tlv): { ca: boolean; pathLen?: number } {
  let ca = false;
  let pathLen: number | undefined;
  for (const t of children(der, seq)) {
    if (t.tag === 0x01) ca = der[t.start] !== 0;
    else if (t.tag === 0x02) {
      pathLen = 0;
      for (let i = t.start; i < t.end; i++) pathLen = pathLen * 256 + der[i];
    }
  }
  return pathLen === undefined ? { ca } : { ca, pathLen };
}

function keyUsage(der: Buffer, bits: Tlv): Set<KeyUsage> {
  // BIT STRING: the first byte counts the unused bits at the end; bit 0 is the top bit.
  const out = new Set<KeyUsage>();
  const bytes = der.subarray(bits.start + 1, bits.end);
  KEY_USAGES.forEach((name, i) => {
    if (i >> 3 < bytes.length && bytes[i >> 3] & (0x80 >> (i & 7))) out.add(name);
  });
  return out;
}

/**
 * PKCS#12 (PFX) in the shape Azure consumers accept: the leaf then its chain, the private key in a
 * pkcs8ShroudedKeyBag encrypted with pbeWithSHAAnd3-KeyTripleDES-CBC, a SHA-1 HMAC over the whole,
 * localKeyId and friendlyName on the leaf and the key. App Service rejects PFX files encrypted with
 * AES (the OpenSSL 3 default), hence 3DES.
 *
 * Built from node-forge's PKCS#12 primitives rather than `forge.pkcs12.toPkcs12Asn1`, because that
 * one only accepts forge RSA key objects and forge cannot parse EC keys or EC certificates;
 * certloop's default key is ECDSA P-256. Certificates and the key travel as DER taken from Node's
 * crypto, so every key type Node can export works. The layout is the one toPkcs12Asn1 produces.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { splitPem } from '../../../src/pki/certificate.js';

const { asn1, pki } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;
const CTX = asn1.Class.CONTEXT_SPECIFIC;

/** PBE iterations for the key and the MAC (what OpenSSL and forge use by default). */
const ITERATIONS = 2048;

export interface PfxInput {
  /** Leaf then intermediates, PEM. */
  fullchainPem: string;
  /** PKCS#8 (or any Node-readable) private key PEM. */
  keyPem: string;
  /** Empty string for "no password" (still encrypted and MACed, as `openssl pkcs12 -passout pass:` does). */
  password: string;
  friendlyName?: string;
}

export function buildPfx(input: PfxInput): Buffer {
  const certsDer = splitPem(input.fullchainPem).map((p) => new X509Certificate(p).raw);
  if (certsDer.length === 0) throw new Error('no certificate to put in the PFX');
  const keyDer = createPrivateKey(input.keyPem).export({ type: 'pkcs8', format: 'der' });

  const localKeyId = createHash('sha1').update(certsDer[0]).digest().toString('binary');
  const attrs = [attribute(pki.oids.localKeyId, asn1.create(U, T.OCTETSTRING, false, localKeyId))];
  if (input.friendlyName) attrs.push(attribute(pki.oids.friendlyName, asn1.create(U, T.BMPSTRING, false, input.friendlyName)));
  const bagAttrs = () => asn1.create(U, T.SET, true, attrs);

  const certBags = certsDer.map((der, i) =>
    asn1.create(U, T.SEQUENCE, true, [
      oid(pki.oids.certBag),
      asn1.create(CTX, 0, true, [
        asn1.create(U, T.SEQUENCE, true, [
          oid(pki.oids.x509Certificate),
          asn1.create(CTX, 0, true, [asn1.create(U, T.OCTETSTRING, false, der.toString('binary'))]),
        ]),
      ]),
      ...(i === 0 ? [bagAttrs()] : []),
    ]),
  );

  const privateKeyInfo = asn1.fromDer(keyDer.toString('binary'));
  const encrypted = pki.encryptPrivateKeyInfo(privateKeyInfo, input.password, { algorithm: '3des', count: ITERATIONS, saltSize: 8 });
  const keyBag = asn1.create(U, T.SEQUENCE, true, [oid(pki.oids.pkcs8ShroudedKeyBag), asn1.create(CTX, 0, true, [encrypted]), bagAttrs()]);

  const authenticatedSafe = asn1.create(U, T.SEQUENCE, true, [dataContentInfo(certBags), dataContentInfo([keyBag])]);
  const safeDer = asn1.toDer(authenticatedSafe).getBytes();

  // MacData: HMAC-SHA1 keyed with the PKCS#12 KDF (ID 3 = MAC key material), RFC 7292 appendix B.
  const macSalt = forge.random.getBytesSync(8);
  const macKey = forge.pkcs12.generateKey(input.password, forge.util.createBuffer(macSalt), 3, ITERATIONS, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', macKey);
  hmac.update(safeDer);
  const macData = asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.SEQUENCE, true, [
      asn1.create(U, T.SEQUENCE, true, [oid(pki.oids.sha1), asn1.create(U, T.NULL, false, '')]),
      asn1.create(U, T.OCTETSTRING, false, hmac.digest().getBytes()),
    ]),
    asn1.create(U, T.OCTETSTRING, false, macSalt),
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(ITERATIONS).getBytes()),
  ]);

  const pfx = asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(3).getBytes()),
    asn1.create(U, T.SEQUENCE, true, [oid(pki.oids.data), asn1.create(CTX, 0, true, [asn1.create(U, T.OCTETSTRING, false, safeDer)])]),
    macData,
  ]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}

export interface ParsedPfx {
  /** Leaf first (the certificate whose key is in the file), then the others, PEM. */
  fullchainPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

/**
 * Reads a PFX (as Key Vault returns it in the certificate's secret: usually without a password).
 * Tries each password in turn; returns undefined when none opens it or it holds no key.
 */
export function parsePfx(pfx: Buffer, passwords: (string | null)[]): ParsedPfx | undefined {
  for (const password of passwords) {
    let p12: forge.pkcs12.Pkcs12Pfx;
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(asn1.fromDer(pfx.toString('binary')), false, password as string);
    } catch {
      continue;
    }
    const keys: Buffer[] = [];
    const certs: X509Certificate[] = [];
    for (const safe of p12.safeContents) {
      for (const bag of safe.safeBags) {
        const raw = (bag as { asn1?: forge.asn1.Asn1 }).asn1;
        if (bag.type === pki.oids.pkcs8ShroudedKeyBag || bag.type === pki.oids.keyBag) {
          // forge decodes RSA keys into objects and leaves others (EC) as PrivateKeyInfo ASN.1.
          const info = bag.key ? pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(bag.key)) : raw;
          if (info) keys.push(Buffer.from(asn1.toDer(info).getBytes(), 'binary'));
        } else if (bag.type === pki.oids.certBag) {
          const certAsn1 = bag.cert ? pki.certificateToAsn1(bag.cert) : raw;
          if (certAsn1) certs.push(new X509Certificate(Buffer.from(asn1.toDer(certAsn1).getBytes(), 'binary')));
        }
      }
    }
    if (keys.length === 0 || certs.length === 0) return undefined;
    const key = createPrivateKey({ key: keys[0], format: 'der', type: 'pkcs8' });
    const leaf = certs.find((c) => c.checkPrivateKey(key));
    if (!leaf) return undefined;
    const ordered = [leaf, ...orderChain(leaf, certs.filter((c) => c !== leaf))];
    return { fullchainPem: ordered.map((c) => c.toString()).join(''), keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }
  return undefined;
}

/** Issuer after subject, starting from the leaf; certificates that do not chain are left out. */
function orderChain(leaf: X509Certificate, rest: X509Certificate[]): X509Certificate[] {
  const out: X509Certificate[] = [];
  let child = leaf;
  for (;;) {
    const i = rest.findIndex((c) => child.checkIssued(c) && c.subject !== child.subject);
    if (i < 0) return out;
    child = rest.splice(i, 1)[0];
    out.push(child);
  }
}

function oid(id: string): forge.asn1.Asn1 {
  return asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes());
}

function attribute(id: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return asn1.create(U, T.SEQUENCE, true, [oid(id), asn1.create(U, T.SET, true, [value])]);
}

function dataContentInfo(bags: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  const safeContents = asn1.create(U, T.SEQUENCE, true, bags);
  return asn1.create(U, T.SEQUENCE, true, [
    oid(pki.oids.data),
    asn1.create(CTX, 0, true, [asn1.create(U, T.OCTETSTRING, false, asn1.toDer(safeContents).getBytes())]),
  ]);
}

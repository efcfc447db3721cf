/**
 * Private keys for certificates and ACME accounts, generated with node:crypto (fast, native, off
 * the main thread) and kept as PKCS#8 PEM.
 */
import { createPublicKey, generateKeyPair } from 'node:crypto';
import type { KeyType } from '../config/schema.js';

const PEM = { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } } as const;

function done(resolve: (k: string) => void, reject: (e: Error) => void) {
  return (err: Error | null, _pub: string, priv: string) => (err ? reject(err) : resolve(priv));
}

export function generatePrivateKey(type: KeyType): Promise<string> {
  return new Promise((resolve, reject) => {
    switch (type) {
      case 'ecdsa-p256':
        return generateKeyPair('ec', { namedCurve: 'prime256v1', ...PEM }, done(resolve, reject));
      case 'ecdsa-p384':
        return generateKeyPair('ec', { namedCurve: 'secp384r1', ...PEM }, done(resolve, reject));
      case 'rsa-2048':
      case 'rsa-3072':
      case 'rsa-4096':
        return generateKeyPair('rsa', { modulusLength: Number(type.slice(4)), ...PEM }, done(resolve, reject));
    }
  });
}


/** A key's type in the config's words (ecdsa-p256, rsa-2048 ...): `key.reuse` keeps only a key of the configured type. */
export function keyTypeOf(keyPem: string): string {
  const key = createPublicKey(keyPem);
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return d.namedCurve === 'prime256v1' ? 'ecdsa-p256' : d.namedCurve === 'secp384r1' ? 'ecdsa-p384' : `ecdsa-${d.namedCurve}`;
  if (key.asymmetricKeyType === 'rsa') return `rsa-${d.modulusLength}`;
  return key.asymmetricKeyType ?? 'unknown';
}

import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { keyThumbprint } from '../../../src/acme/account-keys.js';
import { keyTypeOf } from '../../../src/acme/keys.js';

describe('naming a key without showing it', () => {
  it("the thumbprint of RFC 7638's example key is the one the RFC gives (§3.1)", () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    const pem = createPublicKey({ key: { kty: 'RSA', n, e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(keyThumbprint(pem), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  const types: [string, Parameters<typeof generateKeyPairSync>[1] & object, string, string][] = [
    ['a P-256 key is ecdsa-p256', { namedCurve: 'prime256v1' }, 'ec', 'ecdsa-p256'],
    ['a P-384 key is ecdsa-p384', { namedCurve: 'secp384r1' }, 'ec', 'ecdsa-p384'],
    ['a 2048-bit RSA key is rsa-2048', { modulusLength: 2048 }, 'rsa', 'rsa-2048'],
  ];
  for (const [name, opts, kind, expected] of types) {
    it(`${name}, so key.reuse can tell a key of another type`, () => {
      const { privateKey } = generateKeyPairSync(kind as 'ec', { ...(opts as { namedCurve: string }), privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      assert.equal(keyTypeOf(privateKey), expected);
    });
  }
});

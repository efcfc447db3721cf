/**
 * Looking at ACME accounts and revocations from outside certloop, for the issue 19 tests: the
 * state store's account record, Pebble's own view of a certificate (its management API), the
 * certificate an endpoint serves, and requests signed with a given key straight to Pebble.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import acme from 'acme-client';
import Database from 'better-sqlite3';
import type { Pebble } from './pebble.js';

export interface StoredAccount {
  directory: string;
  keyPem: string;
  url?: string;
  nextKeyPem?: string;
  deactivatedAt?: string;
  formerAccounts?: { url: string; deactivatedAt: string }[];
}

/** The account record the lab's state file holds for the directory. */
export function storedAccount(dir: string, directory: string): StoredAccount | undefined {
  const db = new Database(path.join(dir, 'certloop.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT record FROM accounts WHERE directory = ?').get(directory) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as StoredAccount) : undefined;
  } finally {
    db.close();
  }
}

/** RFC 7638 thumbprint, computed here independently of certloop's code. */
export function thumbprint(keyPem: string): string {
  const jwk = createPublicKey(keyPem).export({ format: 'jwk' }) as Record<string, string>;
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
}

/** What Pebble's management API says about a certificate: { Status: 'Valid' | 'Revoked', Reason?, ... }. */
export function pebbleCertStatus(pebble: Pebble, serial: string): Promise<{ Status: string; Reason?: number; RevokedAt?: string }> {
  const ca = fs.readFileSync(pebble.caBundleFile);
  return new Promise((resolve, reject) => {
    https
      .get(`${pebble.managementUrl}/cert-status-by-serial/${serial.toLowerCase()}`, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`cert-status-by-serial ${serial}: HTTP ${res.statusCode} ${body}`))));
      })
      .on('error', reject);
  });
}

/** The leaf certificate an endpoint serves (no trust check: the test compares keys and serials). */
export function servedCertificate(port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert) resolve(cert);
      else reject(new Error('no certificate served'));
    });
    socket.on('error', reject);
  });
}

/** Public key of a PEM private key or certificate, as SPKI PEM, to compare keys. */
export function publicKeyOf(pem: string): string {
  return createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * Ask Pebble directly, signed with `keyPem`: for an account URL, a POST-as-GET of it (kid: does
 * the CA accept this key for that account?); without one, newAccount onlyReturnExisting (jwk:
 * does the CA know an account for this key?). Resolves with the account status, rejects with
 * the CA's problem.
 */
export async function askPebbleWithKey(pebble: Pebble, keyPem: string, accountUrl?: string): Promise<{ status: string; url: string }> {
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: fs.readFileSync(pebble.caBundleFile) });
  acme.setLogger(() => undefined);
  const client = new acme.Client({ directoryUrl: pebble.directory, accountKey: keyPem, accountUrl });
  const account = accountUrl ? await client.updateAccount() : await client.createAccount({ onlyReturnExisting: true } as never);
  return { status: (account as { status: string }).status, url: client.getAccountUrl() };
}

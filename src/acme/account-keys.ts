/**
 * Which key the CA holds for an account, and finishing a key rollover that was cut short.
 *
 * `certloop account rollover` (account.ts) stores the new key beside the old one (nextKeyPem)
 * before it asks the CA to switch (RFC 8555 §7.3.5), and replaces the old one only once the CA
 * said yes. A crash in between leaves both keys stored and the answer unknown; the next use of the
 * account asks the CA, with a newAccount request carrying onlyReturnExisting (§7.3.1) signed by
 * the new key, whether it knows that key: yes, the new key becomes the account key; no, the old
 * one stays (and the next rollover tries the same new key again). Neither key is dropped on a guess.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type acme from 'acme-client';
import type { AccountRecord, StateStore } from '../state/store.js';

/** What acme-client keeps internal and certloop needs: a request signed with the key itself (jwk), any answer returned. */
interface RawApi {
  apiResourceRequest(
    resource: string,
    payload: unknown,
    validStatusCodes: number[],
    opts: { includeJwsKid: boolean; includeExternalAccountBinding?: boolean },
  ): Promise<{ status: number; headers: Record<string, string | undefined>; data?: { type?: string; detail?: string; status?: string } }>;
}

export function rawApi(client: acme.Client): RawApi {
  return (client as unknown as { api: RawApi }).api;
}

export type KeyAtCa = { known: true; url: string; deactivated: boolean } | { known: false };

/**
 * Does the CA hold an account for this key? RFC 8555 §7.3.1: newAccount with onlyReturnExisting
 * answers 200 and the account URL, or accountDoesNotExist; Pebble answers a deactivated account's
 * key with unauthorized. Other answers (a CA that cannot be reached, a 5xx) throw: no guess.
 */
export async function keyAtCa(client: acme.Client): Promise<KeyAtCa> {
  const resp = await rawApi(client).apiResourceRequest('newAccount', { onlyReturnExisting: true }, [], { includeJwsKid: false, includeExternalAccountBinding: false });
  const type = resp.data?.type ?? '';
  if (resp.status === 200 && resp.headers.location) return { known: true, url: resp.headers.location, deactivated: resp.data?.status === 'deactivated' };
  if (type.endsWith(':accountDoesNotExist')) return { known: false };
  if (type.endsWith(':unauthorized') && /deactivated/i.test(resp.data?.detail ?? '')) return { known: true, url: '', deactivated: true };
  throw Object.assign(new Error(`the CA answered HTTP ${resp.status}${type ? ` ${type.replace('urn:ietf:params:acme:error:', '')}` : ''}${resp.data?.detail ? `: ${resp.data.detail}` : ''}`), { response: resp });
}

/**
 * The stored account of a directory, with a rollover cut short finished first. `clientFor` builds
 * a client for a key without an account URL (client.ts configuredClient).
 */
export async function loadAccount(store: StateStore, directory: string, clientFor: (keyPem: string) => acme.Client): Promise<AccountRecord | undefined> {
  const account = await store.getAccount(directory);
  if (!account?.nextKeyPem) return account;
  const next = await keyAtCa(clientFor(account.nextKeyPem));
  if (!next.known) return account;
  const promoted: AccountRecord = { ...account, keyPem: account.nextKeyPem, url: next.url || account.url, keyRolledAt: new Date().toISOString() };
  delete promoted.nextKeyPem;
  await store.putAccount(promoted);
  return promoted;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a key's public half: names a key without showing it. */
export function keyThumbprint(keyPem: string): string {
  const jwk = createPublicKey(keyPem).export({ format: 'jwk' }) as Record<string, string>;
  // The required members only, in lexicographic order (RFC 7638 §3.2).
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : jwk;
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

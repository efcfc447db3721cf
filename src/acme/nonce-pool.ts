/**
 * Reuse the nonces the CA hands out. RFC 8555 §7.2: the server includes a fresh Replay-Nonce in
 * every successful response to a POST, and a client may use it for its next request. acme-client
 * 5.4 ignores it and sends HEAD newNonce before every POST: one extra round trip per request, and
 * (Node closes the keep-alive socket after that HEAD) one extra TLS handshake. Measured against
 * Pebble, that is about a third of the requests of an issuance (bench/RESULTS.md).
 *
 * A nonce is single-use: each one taken from the pool is removed, so two concurrent requests never
 * sign with the same one. A nonce the CA no longer accepts (it expired, the CA restarted) is
 * answered with badNonce plus a fresh nonce, which retryBadNonce below retries with; old nonces
 * are dropped anyway so a long-lived daemon does not pay that retry after every quiet hour.
 */
import type acme from 'acme-client';
import { operationSignal } from './deadline.js';
import { sleep } from '../util/timers.js';

/** Nonces older than this are not used (Boulder keeps them far longer; one retry covers any CA that does not). */
const MAX_AGE_MS = 30_000;
const MAX_POOLED = 64;

interface HttpClientLike {
  request(url: string, method: string, opts?: unknown): Promise<{ status: number; headers: Record<string, unknown> }>;
  getNonce(): Promise<string>;
}

/** Makes `client` reuse Replay-Nonce values from successful responses instead of asking for new ones. */
export function poolNonces(client: acme.Client, now: () => number = Date.now): void {
  const http = (client as unknown as { http?: HttpClientLike }).http;
  if (!http || typeof http.request !== 'function' || typeof http.getNonce !== 'function') return;
  const pool: { nonce: string; at: number }[] = [];
  const request = http.request.bind(http);
  const fetchNonce = http.getNonce.bind(http);

  http.request = async (url, method, opts) => {
    const resp = await request(url, method, opts);
    const nonce = resp.headers?.['replay-nonce'];
    // Not from HEAD newNonce (getNonce returns that one itself) and not from errors: acme-client
    // retries a badNonce answer with the nonce in it, which must not be used twice.
    if (method !== 'head' && resp.status < 400 && typeof nonce === 'string' && nonce) {
      pool.push({ nonce, at: now() });
      if (pool.length > MAX_POOLED) pool.shift();
    }
    return resp;
  };
  http.getNonce = async () => {
    const fresh = now() - MAX_AGE_MS;
    while (pool.length > 0) {
      const last = pool.pop()!;
      if (last.at >= fresh) return last.nonce;
    }
    return fetchNonce();
  };
}

interface SignedRequestClient {
  maxBadNonceRetries: number;
  signedRequest(url: string, payload: unknown, opts?: { kid?: string | null; nonce?: string | null; includeExternalAccountBinding?: boolean }, attempts?: number): Promise<{
    status: number;
    headers: Record<string, unknown>;
    data?: { type?: string };
  }>;
}

const BAD_NONCE = 'urn:ietf:params:acme:error:badNonce';
/** Retries sent at once before pausing: a CA that rejects every nonce must not be hammered. */
const IMMEDIATE_RETRIES = 3;

/**
 * RFC 8555 §6.5: a badNonce answer carries a fresh Replay-Nonce, and the client should retry with
 * it. acme-client does so 5 times and then fails; with Pebble rejecting half of all nonces
 * (PEBBLE_WFE_NONCEREJECT=50) that failed 6 of 48 orders (issue 16), one of them reported as a
 * failed challenge. Here the retries go on until the operation's deadline (acme.orderTimeout, or
 * shutdown), at once for the first few and then with a short growing pause. Outside an operation
 * (nothing to bound the loop) acme-client's 5 retries stand.
 */
export function retryBadNonce(client: acme.Client): void {
  const http = (client as unknown as { http?: SignedRequestClient }).http;
  if (!http || typeof http.signedRequest !== 'function' || typeof http.maxBadNonceRetries !== 'number') return;
  const signedRequest = http.signedRequest.bind(http);
  const outsideOperation = http.maxBadNonceRetries;
  // acme-client's own loop is off (it would call back into this wrapper); this one owns the retries.
  http.maxBadNonceRetries = 0;
  http.signedRequest = async (url, payload, opts = {}) => {
    const signal = operationSignal();
    let nonce = opts.nonce ?? null;
    for (let retry = 0; ; retry++) {
      const resp = await signedRequest(url, payload, { ...opts, nonce }, 0);
      if (resp.status !== 400 || resp.data?.type !== BAD_NONCE) return resp;
      if (signal ? signal.aborted : retry >= outsideOperation) return resp;
      const fresh = resp.headers?.['replay-nonce'];
      nonce = typeof fresh === 'string' && fresh ? fresh : null;
      if (retry >= IMMEDIATE_RETRIES) await sleep(Math.min(1000, 25 * 2 ** (retry - IMMEDIATE_RETRIES)), signal);
    }
  };
}

/**
 * One configured acme-client per directory. acme-client speaks HTTP through a shared axios
 * instance, so the extra trust for the ACME server (Pebble's own CA, a private CA) is installed on
 * that instance once, alongside the system roots.
 */
import { createPrivateKey } from 'node:crypto';
import acme from 'acme-client';
import { CertloopError, Interrupted, type Step } from '../errors.js';
import { acmeHttpAgent, acmeHttpsAgent } from './trust.js';
import type { StateStore } from '../state/store.js';
import { installRequestDeadlines } from './deadline.js';
import { loadAccount } from './account-keys.js';
import { generatePrivateKey } from './keys.js';
import { poolNonces, retryBadNonce } from './nonce-pool.js';
import { captured } from './response-capture.js';
import { pollStatusWithinDeadline } from './status-poll.js';

export { trustAcmeServer } from './trust.js';

/**
 * acme-client retries network errors and 429/5xx itself, sleeping 5 s and more each time (and
 * honouring any Retry-After, however long). certloop has its own persisted retry schedule, so a
 * failing CA should surface quickly instead of stalling the whole run.
 */
function tuneRetries(): void {
  const defaults = acme.axios.defaults as { acmeSettings?: { retryMaxAttempts: number; retryDefaultDelay: number } };
  if (defaults.acmeSettings) {
    // No retries inside acme-client: with a Retry-After header it would sleep as long as the CA
    // says (days, for a rate limit), stalling the run. certloop's schedule and CA failover retry.
    defaults.acmeSettings.retryMaxAttempts = 0;
    defaults.acmeSettings.retryDefaultDelay = 1;
  }
  // acme-client turns a 429/5xx answer into a bare Error and loses the status; keep the response
  // on the error so the failure can be classified (rate limited, CA broken) and Retry-After read.
  // acme-client's own error handler reads `error.response.config` once its retries are spent, so
  // a network error (ECONNREFUSED, ECONNRESET) surfaced as "Cannot read properties of undefined"
  // and an unreachable CA looked like a refused order. Ahead of that handler (axios documents
  // `handlers` as public), a response-less error loses its request config: acme-client then
  // passes it on untouched, with its network code.
  const handlers = (acme.axios.interceptors.response as unknown as { handlers?: unknown[] }).handlers;
  handlers?.unshift({
    fulfilled: undefined,
    rejected: (err: { response?: unknown; config?: unknown }) => {
      if (err && !err.response && err.config) delete err.config;
      return Promise.reject(err);
    },
    synchronous: false,
    runWhen: null,
  });
  acme.axios.interceptors.response.use((resp) => {
    if (resp.status === 429 || resp.status >= 500) {
      const data = resp.data as { detail?: string } | undefined;
      throw Object.assign(new Error(`HTTP ${resp.status} from ${resp.config.url}${data?.detail ? `: ${data.detail}` : ''}`), { response: resp });
    }
    return resp;
  });
  acme.setLogger(() => undefined);
  // Last, so that it runs first (acme/deadline.ts).
  installRequestDeadlines();
}
tuneRetries();

export interface AcmeAccountOptions {
  directory: string;
  email?: string;
  /** External account binding, for CAs that require one (RFC 8555 §7.3.4). */
  eab?: { kid: string; hmacKey: string };
  store: StateStore;
}

interface OpenedAccount {
  client: acme.Client;
  keyPem: string;
  url?: string;
}

const clients = new Map<string, Promise<OpenedAccount>>();

/**
 * The ACME client for a directory, with its account created (or found) once per process, and
 * opened again when the stored account changed underneath: `certloop account rollover` or
 * `deactivate` in another process (a daemon would otherwise sign every later order with a key
 * the CA no longer accepts, until restarted). One small state read per order.
 */
export async function accountClient(opts: AcmeAccountOptions): Promise<acme.Client> {
  // The trust and connect deadline as configured by now (trust.ts): a fallback CA may have added its bundle.
  acme.axios.defaults.httpsAgent = acmeHttpsAgent();
  acme.axios.defaults.httpAgent = acmeHttpAgent();
  for (let attempt = 0; ; attempt++) {
    let p = clients.get(opts.directory);
    if (!p) {
      const opening = openAccount(opts);
      p = opening;
      clients.set(opts.directory, opening);
      opening.catch(() => forgetIf(opts.directory, opening));
    }
    const opened = await p;
    const stored = await opts.store.getAccount(opts.directory);
    const current = stored && stored.keyPem === opened.keyPem && stored.url === opened.url && !stored.deactivatedAt && !stored.nextKeyPem;
    if (current || attempt > 0) return opened.client;
    forgetIf(opts.directory, p);
  }
}

function forgetIf(directory: string, p: Promise<OpenedAccount>): void {
  if (clients.get(directory) === p) clients.delete(directory);
}

/** Drops the cached client of a directory (its account key or state just changed). */
export function forgetAccountClient(directory: string): void {
  clients.delete(directory);
}

/**
 * An acme-client for one key, set up as certloop sets up every client: trust and connect deadline
 * (trust.ts), pooled nonces, bad-nonce retries, fast status polling, the key parsed once.
 * `accountUrl` absent: requests carry the key itself (jwk), as newAccount and a revocation signed
 * with a certificate's key do (RFC 8555 §6.2).
 */
export function configuredClient(directory: string, keyPem: string, accountUrl?: string, eab?: { kid: string; hmacKey: string }): acme.Client {
  // The trust and connect deadline as configured by now (trust.ts); the agents are rebuilt only
  // when a bundle is added or the timeouts change.
  acme.axios.defaults.httpsAgent = acmeHttpsAgent();
  acme.axios.defaults.httpAgent = acmeHttpAgent();
  const client = new acme.Client({
    directoryUrl: directory,
    accountKey: keyPem,
    accountUrl,
    ...(eab ? { externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacKey } } : {}),
  });
  poolNonces(client);
  retryBadNonce(client);
  // Pebble and Let's Encrypt usually finish validation within a second: poll fast at first.
  pollStatusWithinDeadline(client, { minMs: 100, maxMs: 2000 });
  signWithParsedKey(client, keyPem);
  return client;
}

async function openAccount({ directory, email, eab, store }: AcmeAccountOptions): Promise<OpenedAccount> {
  // A rollover cut short is finished first (account-keys.ts), whichever key the CA kept.
  let account = await loadAccount(store, directory, (keyPem) => configuredClient(directory, keyPem));
  if (!account || account.deactivatedAt) {
    // Never registered, or deactivated by `certloop account deactivate`: the CA refuses a
    // deactivated account for good (RFC 8555 §7.3.6), so a new one with a new key takes its place.
    const former = account?.deactivatedAt && account.url ? [{ url: account.url, deactivatedAt: account.deactivatedAt }, ...(account.formerAccounts ?? [])] : account?.formerAccounts;
    account = { directory, keyPem: await generatePrivateKey('ecdsa-p256'), email, createdAt: new Date().toISOString(), ...(former ? { formerAccounts: former } : {}) };
    // Saved before it is registered: a crash in between just registers the same key next time.
    await store.putAccount(account);
  }
  const client = configuredClient(directory, account.keyPem, account.url, eab);
  if (!account.url || account.email !== email) {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.createAccount({ termsOfServiceAgreed: true, contact: email ? [`mailto:${email}`] : undefined });
        break;
      } catch (err) {
        // Another process sharing this state registered the same key a moment earlier: the CA
        // answers 200 with the account's URL, then acme-client sends an update without changes,
        // which Pebble refuses. The account exists and is ours; use it.
        if (accountUrlOf(client)) break;
        // Registering the same key at the same instant can fail at the CA (Pebble answers 500
        // "Error saving account" to the loser). newAccount is idempotent per key (RFC 8555
        // §7.3.1), so a server error is asked again twice; the CA then returns the account.
        if (attempt < 3 && isServerError(err)) {
          await new Promise((r) => setTimeout(r, 200 * attempt + Math.floor(Math.random() * 200)));
          continue;
        }
        throw classifyAcmeError(err, 'ACME_ACCOUNT', `cannot register an ACME account at ${directory}`);
      }
    }
    account = { ...account, url: client.getAccountUrl(), email };
    await store.putAccount(account);
  }
  return { client, keyPem: account.keyPem, url: account.url };
}

/**
 * acme-client signs every request with the account key as PEM text, which OpenSSL 3 decodes anew
 * each time: 0.35 ms per signature against 0.02 ms with the key parsed once (measured here), about
 * a tenth of certloop's CPU per issuance. The key object never leaves the client.
 */
function signWithParsedKey(client: acme.Client, keyPem: string): void {
  const http = (client as unknown as { http?: { accountKey?: unknown } }).http;
  if (http && typeof http.accountKey !== 'undefined') http.accountKey = createPrivateKey(keyPem);
}

function isServerError(err: unknown): boolean {
  const status = (err as { response?: { status?: number } })?.response?.status ?? captured()?.status;
  return (status !== undefined && status >= 500) || /\bHTTP 5\d\d\b/.test((err as Error)?.message ?? '');
}

function accountUrlOf(client: acme.Client): string | undefined {
  try {
    return client.getAccountUrl();
  } catch {
    return undefined;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN']);

/**
 * Why the CA could not be talked to, or undefined when it answered. Beyond plain network codes: a
 * server that is no TLS server (EPROTO, OpenSSL's ERR_SSL_*) or no HTTP server (the parser's
 * HPE_*) at the directory's address is unreachable as a CA too, not a refused account (issue 16).
 */
function unreachableReason(e: { code?: string; message?: string }): string | undefined {
  const code = e.code;
  if (!code) return undefined;
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) return `${code}: no TLS server as an ACME CA would run answers there (${tlsReason(e.message)})`;
  if (code.startsWith('HPE_')) return `${code}: the server's answer is not HTTP`;
  if (!NETWORK_CODES.has(code)) return undefined;
  if (code.includes('CERT') || code.includes('SELF_SIGNED')) return `${code} (TLS trust: set acme.caBundle for a private or test CA)`;
  // A deadline of certloop's own names the setting (timeouts.ts); a plain code stays a plain code.
  return e.message && !e.message.includes(code) ? e.message : code;
}

/** "wrong version number" from OpenSSL's "…:SSL routines:ssl3_get_record:wrong version number:…". */
function tlsReason(message: string | undefined): string {
  const m = /SSL routines:[^:]*:([^:]+)/.exec(message ?? '');
  return m ? m[1] : 'TLS handshake failed';
}

/** Turns what acme-client/axios throw into a typed error that says whether the CA was reachable. */
export function classifyAcmeError(err: unknown, code: 'ACME_ACCOUNT' | 'ACME_ORDER' | 'ACME_REVOKE', what: string, certificate?: string, step: Step = 'issue'): CertloopError | Interrupted {
  if (err instanceof CertloopError || err instanceof Interrupted) return err;
  const e = err as { code?: string; message?: string; response?: { status?: number; headers?: Record<string, string> } };
  const unreachable = unreachableReason(e);
  if (unreachable) return new CertloopError('ACME_UNREACHABLE', `${what}: ${unreachable}`, { certificate, step, cause: err });
  const retryAfter = Number(e.response?.headers?.['retry-after']);
  const seen = captured();
  const status = seen?.status ? ` (HTTP ${seen.status}${seen.problemType ? ` ${seen.problemType.replace('urn:ietf:params:acme:error:', '')}` : ''})` : '';
  return new CertloopError(code, `${what}: ${e.message ?? String(err)}${status}`, {
    certificate,
    step,
    cause: err,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : seen?.retryAfterSeconds,
  });
}

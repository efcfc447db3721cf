/**
 * The status page as a Node request handler, for the daemon to mount at `/`: builds the model on
 * every request (the state store is local and fast; nothing is cached that could go stale) and
 * answers with the self-contained page.
 *
 * Optional authentication, for when the daemon listens beyond loopback: a bearer token, HTTP basic
 * credentials, or both (either is accepted). Credentials are compared in constant time over their
 * SHA-256 digests, so neither their content nor their length leaks through timing; a request
 * without valid credentials gets 401 with a WWW-Authenticate challenge. Neither the token, the
 * password nor the Authorization header is ever logged, and the query string is left out of logs
 * in case someone puts a token there.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CertloopError, describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { renderStatusPage } from './html.js';
import type { StatusModel } from './model.js';

export interface StatusPageAuth {
  bearerToken?: string;
  basic?: { user: string; password: string };
}

export interface StatusPageOptions {
  /** Builds a fresh model (e.g. `() => buildStatusModel(config, store, new Date())`). */
  load: () => Promise<StatusModel>;
  auth?: StatusPageAuth;
  log?: Logger;
  /** Let the browser reload the page every N seconds (meta refresh; no JavaScript). */
  refreshSeconds?: number;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const REALM = 'certloop';

/** Headers that keep the page from loading anything, being framed, cached or sniffed. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Admits a request with valid credentials (true); answers any other with 401 and a challenge and
 * returns false. Without `auth` every request is admitted. The daemon puts every page but
 * /healthz and /metrics behind this (issue 16: /summary.txt answered without credentials).
 */
export type CredentialGate = (req: IncomingMessage, res: ServerResponse) => boolean;

export function credentialGate(auth: StatusPageAuth | undefined, log?: Logger): CredentialGate {
  const check = authChecker(auth);
  return (req, res) => {
    const result = check(req.headers.authorization);
    if (result === 'ok') return true;
    const path = (req.url ?? '/').split('?')[0];
    log?.warn({ method: req.method, path, remote: req.socket.remoteAddress, credentials: result }, 'request without valid credentials refused');
    send(res, 401, 'authentication required\n', { 'www-authenticate': challenges(auth!, result === 'wrong') });
    return false;
  };
}

export function statusPageHandler(opts: StatusPageOptions): RequestHandler {
  const admit = credentialGate(opts.auth, opts.log);
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (!admit(req, res)) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD\n', { allow: 'GET, HEAD' });
      if (path !== '/' && path !== '/index.html') return send(res, 404, 'not found: the status page is at /\n');
      const html = renderStatusPage(await opts.load(), { refreshSeconds: opts.refreshSeconds });
      res.writeHead(200, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
      res.end(req.method === 'HEAD' ? undefined : html);
    } catch (err) {
      opts.log?.error({ path, err: describeError(err) }, 'status page: cannot build the page');
      if (!res.headersSent) send(res, 500, `cannot build the status page: ${describeError(err)}\n`);
      else res.destroy();
    }
  };
}

type AuthResult = 'ok' | 'missing' | 'wrong';

function authChecker(auth: StatusPageAuth | undefined): (header: string | undefined) => AuthResult {
  if (!auth || (auth.bearerToken === undefined && auth.basic === undefined)) return () => 'ok';
  // An empty secret (an unset ${env:X}, say) would let anyone in; refuse to start instead.
  if (auth.bearerToken !== undefined && auth.bearerToken.length === 0) {
    throw new CertloopError('CONFIG_INVALID', 'status page: the bearer token is empty; set a long random token or remove the setting', { retryable: false });
  }
  if (auth.basic && (auth.basic.user.length === 0 || auth.basic.password.length === 0)) {
    throw new CertloopError('CONFIG_INVALID', 'status page: basic auth needs a non-empty user and password', { retryable: false });
  }
  const token = auth.bearerToken !== undefined ? digest(auth.bearerToken) : undefined;
  const user = auth.basic ? digest(auth.basic.user) : undefined;
  const password = auth.basic ? digest(auth.basic.password) : undefined;
  return (header) => {
    if (!header) return 'missing';
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (space < 0 || !value) return 'missing';
    if (scheme === 'bearer' && token) return sameDigest(digest(value), token) ? 'ok' : 'wrong';
    if (scheme === 'basic' && user && password) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return 'wrong';
      // Both halves are always compared (no short-circuit), so timing says nothing about which failed.
      const userOk = sameDigest(digest(decoded.slice(0, colon)), user);
      const passwordOk = sameDigest(digest(decoded.slice(colon + 1)), password);
      return userOk && passwordOk ? 'ok' : 'wrong';
    }
    return 'missing';
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function sameDigest(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(a, b);
}

/** RFC 7235 challenges, one per accepted scheme; RFC 6750's invalid_token when a token was wrong. */
function challenges(auth: StatusPageAuth, wrong: boolean): string[] {
  const out: string[] = [];
  if (auth.bearerToken !== undefined) out.push(`Bearer realm="${REALM}"${wrong ? ', error="invalid_token"' : ''}`);
  if (auth.basic) out.push(`Basic realm="${REALM}", charset="UTF-8"`);
  return out;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

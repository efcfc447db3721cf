/**
 * An ARI responder in front of Pebble 2.4 (which has no renewalInfo): an HTTPS reverse proxy that
 * adds `renewalInfo` to the directory (or not, as a CA before it offers ARI), answers GET renewalInfo/{certID} with windows the test sets
 * per certificate, records the JWS payload of every newOrder (to assert `replaces` and `profile`),
 * can list ACME profiles in the directory's meta.profiles (draft-ietf-acme-profiles, which Pebble
 * 2.4 lacks) and refuse a newOrder naming another with 400 invalidProfile, can answer
 * newOrder with a rate limit (429 + Retry-After) or refuse `replaces`, fail newAccount with 500, and forwards everything else
 * to Pebble byte for byte. Requests are JWS-signed over their URL, so bodies are never changed; the
 * Host header is forwarded as is, which makes Pebble build every URL it returns on the proxy.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Pebble } from './pebble.js';

export interface AriWindowSpec {
  start: Date;
  end: Date;
  explanationURL?: string;
}

export interface RecordedOrder {
  identifiers: { type: string; value: string }[];
  replaces?: string;
  profile?: string;
  /** How the proxy answered: forwarded, or the status it made up. */
  answered: 'forwarded' | number;
}

export interface AriProxy {
  directory: string;
  /** Set the window for one certID (base64url(AKI).base64url(serial)). */
  setWindow(certId: string, window: AriWindowSpec): void;
  /** Name renewalInfo in the directory (the default) or leave it out, as a CA that does not offer ARI yet. */
  offerRenewalInfo(on: boolean): void;
  /** Answer every renewalInfo request with this status (undefined: answer normally). */
  failRenewalInfo(status: number | undefined): void;
  /** The next `count` newOrder requests get 429 with this Retry-After. */
  rateLimitNewOrders(count: number, retryAfterSeconds: number): void;
  /** Refuse newOrder requests carrying `replaces` with 400 malformed, as a CA without ARI might. */
  rejectReplaces(on: boolean): void;
  /** The next `count` newAccount requests get 500, as a CA that lost a race between two registrations of one key. */
  failNewAccounts(count: number): void;
  newAccountRequests: number;
  orders: RecordedOrder[];
  renewalInfoRequests: string[];
  stop(): Promise<void>;
}

const RENEWAL_INFO = '/renewal-info/';

/**
 * `profiles`: meta.profiles to list (name → description). Pebble 2.4 ignores the `profile` field,
 * so the certificate's lifetime is Pebble's one validity whatever the profile: a proxy cannot
 * shorten it, since the newOrder body (and a notAfter in it) is signed with the account key.
 */
export async function startAriProxy(pebble: Pebble, opts: { retryAfterSeconds?: number; profiles?: Record<string, string> } = {}): Promise<AriProxy> {
  const listenerDir = path.dirname(pebble.caBundleFile);
  const upstream = new URL(pebble.directory);
  const ca = fs.readFileSync(pebble.caBundleFile);
  const windows = new Map<string, AriWindowSpec>();
  const orders: RecordedOrder[] = [];
  const renewalInfoRequests: string[] = [];
  let offering = true;
  let failStatus: number | undefined;
  let rateLimited = 0;
  let rateLimitRetryAfter = 0;
  let refuseReplaces = false;
  let newOrderPath: string | undefined;
  let newAccountPath: string | undefined;
  let failingAccounts = 0;
  let newAccountRequests = 0;

  const server = https.createServer(
    { cert: fs.readFileSync(path.join(listenerDir, 'listener.pem')), key: fs.readFileSync(path.join(listenerDir, 'listener.key')) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const url = req.url ?? '/';
        const self = `https://${req.headers.host}`;

        if (req.method === 'GET' && url.startsWith(RENEWAL_INFO)) {
          const certId = decodeURIComponent(url.slice(RENEWAL_INFO.length));
          renewalInfoRequests.push(certId);
          if (failStatus) return problem(res, failStatus, 'serverInternal', 'renewalInfo is down (test)');
          const w = windows.get(certId);
          if (!w) return problem(res, 404, 'malformed', `no renewal information for ${certId}`);
          res.writeHead(200, { 'content-type': 'application/json', 'retry-after': String(opts.retryAfterSeconds ?? 21600) });
          res.end(JSON.stringify({ suggestedWindow: { start: w.start.toISOString(), end: w.end.toISOString() }, explanationURL: w.explanationURL }));
          return;
        }

        if (req.method === 'POST' && newAccountPath && url === newAccountPath) {
          newAccountRequests++;
          if (failingAccounts > 0) {
            failingAccounts--;
            return problem(res, 500, 'serverInternal', 'Error saving account (test)');
          }
        }

        if (req.method === 'POST' && newOrderPath && url === newOrderPath) {
          const payload = decodePayload(body);
          const order: RecordedOrder = { identifiers: payload?.identifiers ?? [], replaces: payload?.replaces, profile: payload?.profile, answered: 'forwarded' };
          orders.push(order);
          if (rateLimited > 0) {
            rateLimited--;
            order.answered = 429;
            return problem(res, 429, 'rateLimited', 'too many new orders (test)', { 'retry-after': String(rateLimitRetryAfter) });
          }
          if (payload?.profile !== undefined && !(opts.profiles && Object.hasOwn(opts.profiles, payload.profile))) {
            order.answered = 400;
            return problem(res, 400, 'invalidProfile', `profile ${JSON.stringify(payload.profile)} is not offered (test)`);
          }
          if (refuseReplaces && payload?.replaces) {
            order.answered = 400;
            return problem(res, 400, 'malformed', 'unknown field "replaces" (test)');
          }
        }

        const isDirectory = req.method === 'GET' && url === upstream.pathname;
        const up = https.request(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: url, headers: req.headers, ca },
          (upRes) => {
            if (!isDirectory) {
              res.writeHead(upRes.statusCode ?? 502, upRes.headers);
              upRes.pipe(res);
              return;
            }
            const parts: Buffer[] = [];
            upRes.on('data', (c: Buffer) => parts.push(c));
            upRes.on('end', () => {
              const dir = JSON.parse(Buffer.concat(parts).toString('utf8').split(upstream.origin).join(self)) as Record<string, unknown>;
              newOrderPath = new URL(String(dir.newOrder)).pathname;
              newAccountPath = new URL(String(dir.newAccount)).pathname;
              if (offering) dir.renewalInfo = `${self}${RENEWAL_INFO.slice(0, -1)}`;
              if (opts.profiles) dir.meta = { ...(dir.meta as object | undefined), profiles: opts.profiles };
              const text = JSON.stringify(dir);
              const headers = { ...upRes.headers, 'content-length': String(Buffer.byteLength(text)) };
              res.writeHead(upRes.statusCode ?? 200, headers);
              res.end(text);
            });
          },
        );
        up.on('error', (err) => problem(res, 502, 'serverInternal', `proxy: ${err.message}`));
        up.end(body);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    directory: `https://127.0.0.1:${port}${upstream.pathname}`,
    setWindow: (certId, w) => windows.set(certId, w),
    offerRenewalInfo: (on) => (offering = on),
    failRenewalInfo: (status) => (failStatus = status),
    rateLimitNewOrders: (count, retryAfter) => {
      rateLimited = count;
      rateLimitRetryAfter = retryAfter;
    },
    rejectReplaces: (on) => (refuseReplaces = on),
    failNewAccounts: (count) => (failingAccounts = count),
    get newAccountRequests() {
      return newAccountRequests;
    },
    orders,
    renewalInfoRequests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function decodePayload(body: Buffer): { identifiers?: { type: string; value: string }[]; replaces?: string; profile?: string } | undefined {
  try {
    const jws = JSON.parse(body.toString('utf8')) as { payload: string };
    return JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function problem(res: import('node:http').ServerResponse, status: number, type: string, detail: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify({ type: `urn:ietf:params:acme:error:${type}`, detail, status }));
}

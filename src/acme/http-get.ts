/**
 * Plain GETs to the ACME server outside the ACME protocol (the directory, RFC 9773 renewalInfo),
 * with the same TLS trust and connect deadline as acme-client (trust.ts) but without acme-client's
 * axios interceptors, which replace a network error (ECONNREFUSED) by a TypeError once retries
 * are off. The whole exchange has a deadline (acme.timeout): a socket timeout alone would let a
 * server that trickles a byte now and then hold the run for ever.
 */
import http from 'node:http';
import https from 'node:https';
import { formatDuration } from '../util/duration.js';
import { acmeTimeouts, timeoutError } from './timeouts.js';
import { acmeHttpAgent, acmeHttpsAgent } from './trust.js';

export interface GetResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
}

export function getJson(url: string, timeoutMs = acmeTimeouts().requestMs): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const req = (secure ? https : http).get(u, { agent: secure ? acmeHttpsAgent() : acmeHttpAgent(), headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(deadline);
        let json: unknown;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
      res.on('error', reject);
    });
    const deadline = setTimeout(() => req.destroy(timeoutError(`no answer from ${u.host} within ${formatDuration(timeoutMs)} (acme.timeout)`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
  });
}

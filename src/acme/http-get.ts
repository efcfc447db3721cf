/**
 * Plain GETs to the ACME server outside the ACME protocol (the directory, RFC 9773 renewalInfo),
 * with the same TLS trust as acme-client (acme.caBundle) but without acme-client's axios
 * interceptors, which replace a network error (ECONNREFUSED) by a TypeError once retries are off.
 */
import http from 'node:http';
import https from 'node:https';
import { acmeHttpsAgent } from './trust.js';

export interface GetResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
}

export function getJson(url: string, timeoutMs = 15_000): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const agent = u.protocol === 'https:' ? acmeHttpsAgent() : undefined;
    const req = (u.protocol === 'https:' ? https : http).get(u, { agent, timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
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
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

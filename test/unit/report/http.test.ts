/**
 * The status page handler on a real Node HTTP server on loopback: what each request gets, with and
 * without authentication, and what reaches the log (never a credential).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { CertloopError } from '../../../src/errors.js';
import { statusPageHandler, type StatusPageOptions } from '../../../src/report/http.js';
import type { StatusModel } from '../../../src/report/model.js';

const MODEL: StatusModel = {
  generatedAt: '2026-03-01T12:00:00.000Z',
  summary: { total: 0, ready: 0, pending: 0, failed: 0, other: 0, staleAddresses: 0, critical: 0, unconfirmed: 0 },
  certificates: [],
  events: [],
};

async function withServer(opts: Omit<StatusPageOptions, 'log'>, fn: (base: string, logs: () => string) => Promise<void>): Promise<void> {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));
  const handler = statusPageHandler({ ...opts, log });
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => lines.join(''));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('status page handler', () => {
  it('refuses to start with an empty token or password, which would let anyone in', () => {
    for (const auth of [{ bearerToken: '' }, { basic: { user: 'ops', password: '' } }, { basic: { user: '', password: 'x' } }]) {
      assert.throws(() => statusPageHandler({ load: async () => MODEL, auth }), (e: unknown) => e instanceof CertloopError && e.code === 'CONFIG_INVALID');
    }
  });

  it('without auth configured, serves the page to anyone, with headers that keep it self-contained', async () => {
    await withServer({ load: async () => MODEL }, async (base) => {
      const res = await fetch(`${base}/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.match(await res.text(), /No certificates are configured/);
    });
  });

  const cases: [string, RequestInit & { path?: string }, number, RegExp][] = [
    ['HEAD gets the headers and no body', { method: 'HEAD' }, 200, /^$/],
    ['POST is not allowed', { method: 'POST' }, 405, /only GET and HEAD/],
    ['another path is not found', { path: '/metrics-or-anything' }, 404, /the status page is at \//],
    ['a query string does not change the page', { path: '/?refresh=1' }, 200, /Certificate status/],
  ];
  for (const [name, init, status, body] of cases) {
    it(name, async () => {
      await withServer({ load: async () => MODEL, auth: { bearerToken: 'tkn-123456' } }, async (base) => {
        const res = await fetch(`${base}${init.path ?? '/'}`, { ...init, headers: { authorization: 'Bearer tkn-123456' } });
        assert.equal(res.status, status);
        assert.match(await res.text(), body);
      });
    });
  }

  it('checks credentials before anything else, so unknown paths reveal nothing', async () => {
    await withServer({ load: async () => MODEL, auth: { bearerToken: 'tkn-123456' } }, async (base) => {
      const res = await fetch(`${base}/nothing-here`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="certloop"');
      const wrong = await fetch(`${base}/`, { headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="certloop", error="invalid_token"');
    });
  });

  it('a page that cannot be built is a 500 with the reason, logged without the query string', async () => {
    await withServer({ load: async () => Promise.reject(new Error('database is locked')) }, async (base, logs) => {
      const res = await fetch(`${base}/?token=hunter2-in-the-url`);
      assert.equal(res.status, 500);
      assert.match(await res.text(), /cannot build the status page: database is locked/);
      assert.match(logs(), /cannot build the page/);
      assert.ok(!logs().includes('hunter2'), 'the query string is not logged');
    });
  });
});

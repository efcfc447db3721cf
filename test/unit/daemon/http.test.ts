/**
 * The daemon's HTTP server is total (issue 16): whatever a client sends, it answers 400, 401,
 * 404, 405 or 500 and keeps serving. A real server on a loopback port, raw sockets for what
 * fetch would refuse to send.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { requestPath, startHttpServer, type HttpServer } from '../../../src/daemon/http.js';
import { credentialGate } from '../../../src/report/http.js';
import { rawHttpStatus } from '../../support/net.js';

describe('the request target of a request', () => {
  const cases: [string, string | undefined, string | undefined][] = [
    ['an origin-form path is itself', '/metrics', '/metrics'],
    ['the query is not part of the path', '/summary.txt?x=1', '/summary.txt'],
    ['an absolute-form target gives its path', 'http://127.0.0.1:9464/healthz', '/healthz'],
    ['an IPv6 host that never closes is no target', 'http://[/', undefined],
    ['a port that is not a number is no target', 'http://a:b/', undefined],
    ['an asterisk is no path', '*', undefined],
    ['another scheme is no target', 'ftp://x/metrics', undefined],
    ['no target at all', undefined, undefined],
  ];
  for (const [name, target, expected] of cases) {
    it(name, () => assert.equal(requestPath(target), expected));
  }
});

describe('the daemon HTTP server', () => {
  let server: HttpServer;
  let port: number;
  before(async () => {
    const log = pino({ level: 'silent' });
    server = await startHttpServer(
      '127.0.0.1:0',
      {
        '/healthz': () => ({ body: 'ok\n' }),
        '/secret': () => ({ body: 'names and serials\n' }),
        '/boom': () => {
          throw new Error('a handler bug');
        },
        '/raw-boom': {
          raw: () => {
            throw new Error('a page that throws before it returns a promise');
          },
        },
      },
      log,
      { gate: credentialGate({ bearerToken: 'let-me-in' }, log), open: ['/healthz', '/boom', '/raw-boom'] },
    );
    port = Number(new URL(server.url).port);
  });
  after(() => server?.close());

  const cases: [string, string, RegExp][] = [
    ['a broken absolute-form target is 400', 'GET http://[/ HTTP/1.1\r\nHost: x\r\n\r\n', / 400 /],
    ['an absolute-form target with a bad port is 400', 'GET http://a:b/ HTTP/1.1\r\nHost: x\r\n\r\n', / 400 /],
    ['an open path answers without credentials', 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', / 200 /],
    ['a guarded path asks for credentials', 'GET /secret HTTP/1.1\r\nHost: x\r\n\r\n', / 401 /],
    ['a guarded path answers with them', 'GET /secret HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer let-me-in\r\n\r\n', / 200 /],
    ['an unknown path is 401 before it is 404', 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n', / 401 /],
    ['an unknown path with credentials is 404', 'GET /nope HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer let-me-in\r\n\r\n', / 404 /],
    ['another method on an open path is 405', 'PUT /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', / 405 /],
    ['a handler that throws is 500', 'GET /boom HTTP/1.1\r\nHost: x\r\n\r\n', / 500 /],
    ['a raw page that throws at once is 500', 'GET /raw-boom HTTP/1.1\r\nHost: x\r\n\r\n', / 500 /],
  ];
  for (const [name, request, expected] of cases) {
    it(name, async () => {
      assert.match(await rawHttpStatus(port, request), expected);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'still serving');
    });
  }
});

/**
 * The plain GETs to a CA (directory, renewalInfo) have a deadline for the whole exchange (issue
 * 16): a socket idle timeout alone let a server that trickles a byte now and then hold the run.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { getJson } from '../../../src/acme/http-get.js';

describe('getJson', () => {
  let server: http.Server;
  let base: string;
  const timers = new Set<NodeJS.Timeout>();
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/trickle') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const t = setInterval(() => res.write(' '), 100);
        timers.add(t);
        res.on('close', () => clearInterval(t));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"newOrder":"x"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => {
    for (const t of timers) clearInterval(t);
    server.closeAllConnections();
    server.close();
  });

  it('a server that keeps trickling bytes fails at the deadline, naming the setting', async () => {
    const started = Date.now();
    await assert.rejects(getJson(`${base}/trickle`, 500), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ETIMEDOUT');
      assert.match(err.message, /no answer from 127\.0\.0\.1:\d+ within 500ms \(acme\.timeout\)/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
  });

  it('an answer within the deadline is read as JSON', async () => {
    const r = await getJson(`${base}/dir`, 2000);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { newOrder: 'x' });
  });
});

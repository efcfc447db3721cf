/**
 * Verification inside the loop, end to end: real Pebble issues, the file target deploys, and real
 * TLS servers on loopback serve (or fail to serve) what was deployed. Covers per-address results
 * naming the previous certificate, pending within the deadline (exit 0), overdue (exit 1), drift
 * and recovery (events), and nginx keeping the old certificate after a reload that failed on a
 * key mismatch.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { acmeHeader, cli, startLab, type Lab } from '../support/lab.js';
import { startDns, type TestDns } from '../support/dns.js';
import { waitFor } from '../support/net.js';
import { startTlsServer, type TestServer } from '../support/tls-servers.js';

describe('verification in the loop (Pebble, file target, servers on 127.0.0.2/127.0.0.3 and nginx)', () => {
  let lab: Lab;
  let dns: TestDns;
  let fresh: TestServer;
  let second: TestServer;
  /** The first certificate the pool served, for rolling a node back to it. */
  let firstServed: { certPem: string; keyPem: string };
  const files = () => ({ certFile: path.join(lab.dir, 'live', 'pool', 'fullchain.pem'), keyFile: path.join(lab.dir, 'live', 'pool', 'privkey.pem') });
  /** Points 127.0.0.3 at the live files (reloads itself) or a frozen copy of what they hold now. */
  const setSecond = async (mode: 'live' | 'frozen') => {
    const port = second.port;
    await second.stop();
    const f = files();
    const source = mode === 'live' ? f : { certPem: fs.readFileSync(f.certFile, 'utf8'), keyPem: fs.readFileSync(f.keyFile, 'utf8') };
    second = await startTlsServer('127.0.0.3', source, port);
  };
  const events = (name: string): { type: string; message: string }[] => {
    const db = new Database(path.join(lab.dir, 'certloop.db'), { readonly: true });
    try {
      return db.prepare('SELECT type, message FROM events WHERE certificate = ? ORDER BY id').all(name) as { type: string; message: string }[];
    } finally {
      db.close();
    }
  };
  const writeConfig = (o: { deadline?: string; edgeKey?: string; reload?: string[] } = {}) => {
    fs.writeFileSync(
      lab.configFile,
      `${acmeHeader(lab.pebble)}certificates:
  - name: pool
    domains: [a.test]
    challenge: { type: http-01, listen: 127.0.0.1:${lab.pebble.httpPort} }
    targets:
      - { type: file, cert: ./live/pool/fullchain.pem, key: ./live/pool/privkey.pem }
    verify:
      endpoints:
        - { host: pool.test, port: ${fresh.port}, sni: a.test }
      resolver: [${dns.server}]
      trust: ${lab.pebble.rootFile}
      pollFor: 1s
      settle: 200ms
      deadline: ${o.deadline ?? '1h'}
  - name: edge
    domains: [a.test, b.test]
    challenge: { type: http-01, listen: 127.0.0.1:${lab.pebble.httpPort} }
    targets:
      - type: file
        cert: ./live/web/fullchain.pem
        key: ${o.edgeKey ?? './live/web/privkey.pem'}
        reload: ${JSON.stringify(o.reload ?? lab.nginx.reloadCommand)}
    verify:
      endpoints:
        - { host: 127.0.0.1, port: ${lab.port}, sni: a.test }
      trust: ${lab.pebble.rootFile}
      pollFor: 2s
      settle: 200ms
      deadline: 0s
`,
    );
  };

  before(async () => {
    lab = await startLab('verify-loop');
    dns = await startDns();
    dns.set('pool.test', { A: ['127.0.0.2', '127.0.0.3'] });
    // Placeholder files so the servers start before the first deploy; they re-read them per connection.
    const f = files();
    fs.mkdirSync(path.dirname(f.certFile), { recursive: true });
    fs.copyFileSync(lab.certFile, f.certFile);
    fs.copyFileSync(lab.keyFile, f.keyFile);
    fresh = await startTlsServer('127.0.0.2', f);
    second = await startTlsServer('127.0.0.3', f, fresh.port);
    writeConfig();
  });
  after(async () => {
    await fresh?.stop();
    await second?.stop();
    await dns?.stop();
    await lab?.stop();
  });

  it('first run: issued, deployed, and both addresses of the name serve it', async () => {
    const r = await lab.run('renew', 'pool', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const pool = r.json.certificates[0];
    assert.equal(pool.verified, true);
    assert.deepEqual(pool.endpoints.map((e: { address: string; ok: boolean }) => [e.address, e.ok]), [
      ['127.0.0.2', true],
      ['127.0.0.3', true],
    ]);
    assert.deepEqual(pool.alerts, []);
    assert.ok(dns.queries > 0, 'the configured resolver was used');
    firstServed = { certPem: fs.readFileSync(files().certFile, 'utf8'), keyPem: fs.readFileSync(files().keyFile, 'utf8') };
  });

  it('one address left on the old certificate: pending (exit 0 within the deadline), the previous certificate named', async () => {
    const before = (await lab.run('status', 'pool', '--json')).json.certificates[0].serials.deployed;
    await setSecond('frozen');
    const r = await lab.run('renew', 'pool', '--force', '--json');
    assert.equal(r.code, 0, 'pending within its deadline is not a failure');
    const pool = r.json.certificates[0];
    assert.equal(pool.verdict, 'pending');
    assert.equal(pool.verified, false);
    assert.deepEqual(pool.alerts, []);
    assert.ok(pool.deadline && Date.parse(pool.deadline) > Date.now() + 50 * 60_000);
    const stale = pool.endpoints.find((e: { address: string }) => e.address === '127.0.0.3');
    assert.equal(stale.served, before);
    assert.equal(stale.servedIs, 'previous');
    const text = await lab.run('renew', 'pool');
    assert.match(text.stdout, new RegExp(`PENDING pool: 1 of 2 serve ${pool.deployedSerial}; 127\\.0\\.0\\.3 \\(pool\\.test:\\d+ \\(SNI a\\.test\\)\\) serves ${before}, the previous certificate`));
    const status = await lab.run('status', 'pool');
    assert.equal(status.code, 1, 'status: not Ready');
    assert.match(status.stdout, /pending +since .* overdue at/);
  });

  it('past the deadline the same state is overdue: an alert, exit 1, one overdue event', async () => {
    writeConfig({ deadline: '1s' });
    // Overdue once the deadline (1s after the address was first seen stale) has passed: by now it
    // usually has, so this waits for that moment instead of a fixed second.
    const { deadline } = (await lab.run('status', 'pool', '--json')).json.certificates[0].verification;
    assert.ok(deadline, 'status names the deadline of a pending certificate');
    await waitFor(() => Date.now() > Date.parse(deadline), 5000, `the deadline ${deadline} to pass`);
    const r = await lab.run('run', '--json');
    assert.equal(r.code, 1);
    const pool = r.json.certificates.find((c: { name: string }) => c.name === 'pool');
    assert.equal(pool.overdue, true);
    assert.deepEqual(pool.alerts.map((a: { reason: string }) => a.reason), ['Overdue']);
    const again = await lab.run('run');
    assert.equal(again.code, 1);
    assert.match(again.stdout, /^OVERDUE pool: /m);
    assert.equal(events('pool').filter((e) => e.type === 'verify_overdue').length, 1, 'announced once');
    const status = await lab.run('status', 'pool', '--json');
    assert.equal(status.json.certificates[0].verification.overdue, true);
  });

  it('once every address serves it, verified again (exit 0)', async () => {
    await setSecond('live');
    writeConfig();
    const r = await lab.run('renew', 'pool', '--json');
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.json.certificates[0].verified, true);
    assert.equal(r.json.certificates[0].renewed, false);
  });

  it('drift: a verified certificate that stops being served is an alert at once, recorded, and recovers', async () => {
    // Roll 127.0.0.3 back to an older (still valid, trusted) certificate behind certloop's back.
    const f = files();
    const good = { cert: fs.readFileSync(f.certFile, 'utf8'), key: fs.readFileSync(f.keyFile, 'utf8') };
    await second.stop();
    second = await startTlsServer('127.0.0.3', firstServed, fresh.port);
    const r = await lab.run('renew', 'pool', '--json');
    assert.equal(r.code, 1, 'drift does not wait for a deadline');
    const pool = r.json.certificates[0];
    assert.equal(pool.drift, true);
    assert.deepEqual(pool.alerts.map((a: { reason: string }) => a.reason), ['Drift'], 'the old certificate is otherwise fine: drift is the only alert');
    assert.match(pool.alerts[0].message, /127\.0\.0\.3 .* serves [0-9A-F]+, the previous certificate$/);
    assert.equal(pool.renewed, false, 'drift is reported, not "fixed" with a new order');
    const status = (await lab.run('status', 'pool', '--json')).json.certificates[0];
    assert.equal(status.conditions.find((c: { type: string }) => c.type === 'Verified').reason, 'Drift');
    assert.equal(events('pool').filter((e) => e.type === 'drift_detected').length, 1);

    assert.equal(fs.readFileSync(f.certFile, 'utf8'), good.cert);
    await setSecond('live');
    const back = await lab.run('renew', 'pool', '--json');
    assert.equal(back.code, 0, back.stdout);
    assert.deepEqual(events('pool').slice(-1).map((e) => e.type), ['recovered']);
  });

  it('nginx whose reload failed on a key mismatch keeps the old certificate: never verified', async () => {
    writeConfig();
    const first = await lab.run('renew', 'edge', '--json');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const served = first.json.certificates[0].deployedSerial;
    const servedNow = async () => (await cli(['verify', '--endpoint', `127.0.0.1:${lab.port}`, '--sni', 'a.test', '--json'])).json.endpoints[0].serial;

    // The target now writes the key somewhere nginx does not read: the new certificate and the old
    // key do not match. `nginx -s reload` checks the configuration first and fails: a failed deploy.
    writeConfig({ edgeKey: './live/web/elsewhere.pem' });
    const r = await lab.run('renew', 'edge', '--force', '--json');
    assert.equal(r.code, 1);
    const edge = r.json.certificates[0];
    assert.notEqual(edge.issuedSerial, served);
    assert.equal(edge.verdict, 'failed');
    assert.equal(edge.error.code, 'RELOAD_FAILED');
    assert.equal(await servedNow(), served, 'nginx still serves the old certificate');

    // Reloading by signal (kill -HUP, what many service managers do) "succeeds": nginx logs the
    // mismatch and keeps its old workers. Only verification can tell; with deadline 0s it is overdue.
    const pid = fs.readFileSync(path.join(lab.nginx.prefix, 'nginx.pid'), 'utf8').trim();
    writeConfig({ edgeKey: './live/web/elsewhere.pem', reload: ['kill', '-HUP', pid] });
    const again = await lab.run('renew', 'edge', '--json');
    assert.equal(again.code, 1);
    const e2 = again.json.certificates[0];
    assert.equal(e2.renewed, false, 'the same certificate, not a new order');
    assert.equal(e2.deployed, true);
    assert.equal(e2.verified, false, 'no false "verified"');
    assert.equal(e2.endpoints[0].served, served);
    assert.equal(e2.endpoints[0].servedIs, 'previous');
    assert.deepEqual(e2.alerts.map((a: { reason: string }) => a.reason), ['Overdue']);
    assert.equal(await servedNow(), served);
    writeConfig();
  });
});

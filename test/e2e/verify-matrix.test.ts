/**
 * The verification scenario matrix, through the CLI (`certloop verify --endpoint ...`) against real
 * TLS servers on loopback: Node TLS servers on 127.0.0.2/127.0.0.3/::1, a real nginx, STARTTLS
 * responders, a mute server and a closed port. Each case must give the right verdict: never a
 * false "ok", never a false alarm.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makePki, days, type Issued, type Pki } from '../support/certs.js';
import { startDns, type TestDns } from '../support/dns.js';
import { cli, tempDir } from '../support/lab.js';
import { startNginx, type Nginx } from '../support/nginx.js';
import { closedPort, startMuteServer, startStartTlsServer, startTlsServer, type TestServer } from '../support/tls-servers.js';

type Row = { endpoint: string; address: string; ok: boolean; connected: boolean; serial: string | null; serialMatches: boolean; error: string | null; checks: { name: string; ok: boolean; message: string }[] };
const check = (r: Row, name: string) => r.checks.find((c) => c.name === name);
const failedChecks = (r: Row) => r.checks.filter((c) => !c.ok).map((c) => c.name);

describe('verification scenario matrix (ad hoc, real servers on loopback)', () => {
  let dir: string;
  let pki: Pki;
  let rootFile: string;
  let fresh: Issued;
  let old: Issued;
  let dns: TestDns;
  const servers: TestServer[] = [];
  let nginx: Nginx | undefined;
  const full = (leaf: Issued) => ({ certPem: leaf.certPem + pki.intermediate.certPem, keyPem: leaf.keyPem });
  const serve = async (host: string, source: Parameters<typeof startTlsServer>[1], port = 0) => {
    const s = await startTlsServer(host, source, port);
    servers.push(s);
    return s;
  };
  /** Two servers on one port at two addresses (a name with two A records). */
  const pair = async (a: string, sa: Parameters<typeof startTlsServer>[1], b: string, sb: Parameters<typeof startTlsServer>[1]) => {
    for (let attempt = 0; ; attempt++) {
      const first = await serve(a, sa);
      try {
        return [first, await serve(b, sb, first.port)];
      } catch (err) {
        if (attempt > 5) throw err;
      }
    }
  };
  const verify = (...args: string[]) => cli(['verify', '--trust', rootFile, '--timeout', '3s', '--json', ...args]);

  before(async () => {
    dir = tempDir('verify-matrix');
    pki = makePki('matrix');
    rootFile = path.join(dir, 'root.pem');
    fs.writeFileSync(rootFile, pki.root.certPem);
    fresh = pki.leaf(['www.test', 'a.test']);
    old = pki.leaf(['www.test', 'a.test']);
    dns = await startDns();
  });
  after(async () => {
    nginx?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await dns?.stop();
  });

  it('a name with two addresses where one serves the old certificate: 1 of 2, the stale address named', async () => {
    const [a, b] = await pair('127.0.0.2', full(fresh), '127.0.0.3', full(old));
    dns.set('two.test', { A: ['127.0.0.2', '127.0.0.3'] });
    const r = await verify('--endpoint', `two.test:${a.port}`, '--sni', 'www.test', '--resolver', dns.server, '--expect-serial', fresh.serial);
    assert.equal(r.code, 1, r.stderr);
    const rows: Row[] = r.json.endpoints;
    assert.deepEqual(rows.map((x) => [x.address, x.serial, x.ok]), [
      ['127.0.0.2', fresh.serial, true],
      ['127.0.0.3', old.serial, false],
    ]);
    assert.deepEqual(failedChecks(rows[1]), ['serial'], 'the old certificate is otherwise fine: only the serial is wrong');
    assert.ok(b.connections > 0 && a.connections > 0, 'both addresses were really probed');

    const text = await cli(['verify', '--trust', rootFile, '--endpoint', `two.test:${a.port}`, '--sni', 'www.test', '--resolver', dns.server, '--expect-serial', fresh.serial]);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 2, 'one line per address');
    assert.match(lines[0], /^ok .*127\.0\.0\.2/);
    assert.match(lines[1], new RegExp(`^MISMATCH .*127\\.0\\.0\\.3.*serial ${old.serial} \\(expected ${fresh.serial}\\)`));
  });

  it('the same name with both addresses fresh is ok (no false alarm)', async () => {
    const [a] = await pair('127.0.0.2', full(fresh), '127.0.0.3', full(fresh));
    dns.set('both.test', { A: ['127.0.0.2', '127.0.0.3'] });
    const r = await verify('--endpoint', `both.test:${a.port}`, '--sni', 'www.test', '--resolver', dns.server, '--expect-serial', fresh.serial);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(r.json.endpoints.map((x: Row) => x.ok), [true, true]);
  });

  it('IPv6 ::1 stale while IPv4 is fresh: the AAAA address is checked too', async () => {
    const [v4, v6] = await pair('127.0.0.2', full(fresh), '::1', full(old));
    dns.set('dual.test', { A: ['127.0.0.2'], AAAA: ['::1'] });
    const r = await verify('--endpoint', `dual.test:${v4.port}`, '--sni', 'www.test', '--resolver', dns.server, '--expect-serial', fresh.serial);
    assert.equal(r.code, 1);
    assert.deepEqual(r.json.endpoints.map((x: Row) => [x.address, x.ok]), [
      ['127.0.0.2', true],
      ['::1', false],
    ]);
    assert.ok(v6.connections > 0);
    // Pinned addresses instead of DNS give the same verdict.
    const pinned = await verify('--endpoint', `dual.test:${v4.port}`, '--sni', 'www.test', '--address', '127.0.0.2', '--address', '::1', '--expect-serial', fresh.serial);
    assert.equal(pinned.code, 1);
    assert.equal(pinned.json.endpoints[1].serial, old.serial);
  });

  it('a server that omits the intermediate serves the right serial and is still a problem (exit 1)', async () => {
    const s = await serve('127.0.0.1', { certPem: fresh.certPem, keyPem: fresh.keyPem });
    const r = await verify('--endpoint', `127.0.0.1:${s.port}`, '--sni', 'www.test', '--expect-serial', fresh.serial);
    assert.equal(r.code, 1);
    const row: Row = r.json.endpoints[0];
    assert.equal(row.serialMatches, true);
    assert.equal(check(row, 'chain-complete')!.ok, false);
    assert.match(check(row, 'chain-complete')!.message, /no intermediate sent/);
    assert.equal(row.ok, false);
  });

  it('the full chain from the same server is ok', async () => {
    const s = await serve('127.0.0.1', full(fresh));
    const r = await verify('--endpoint', `127.0.0.1:${s.port}`, '--sni', 'www.test', '--expect-serial', fresh.serial);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(failedChecks(r.json.endpoints[0]), []);
  });

  it('an expired served certificate is caught even when its serial is the expected one', async () => {
    const expired = pki.leaf(['www.test'], { notBefore: days(-60), notAfter: days(-1) });
    const s = await serve('127.0.0.1', full(expired));
    const r = await verify('--endpoint', `127.0.0.1:${s.port}`, '--sni', 'www.test', '--expect-serial', expired.serial);
    assert.equal(r.code, 1);
    assert.deepEqual(failedChecks(r.json.endpoints[0]), ['not-expired']);
  });

  it('SNI that nginx has no server for falls to its default server: name mismatch, not ok', async () => {
    const ndir = path.join(dir, 'nginx');
    fs.mkdirSync(ndir, { recursive: true });
    const write = (name: string, leaf: Issued) => {
      const cert = path.join(ndir, `${name}.pem`);
      const key = path.join(ndir, `${name}.key`);
      fs.writeFileSync(cert, leaf.certPem + pki.intermediate.certPem);
      fs.writeFileSync(key, leaf.keyPem);
      return { cert, key };
    };
    const fallback = pki.leaf(['default.test']);
    // Two server blocks on one port: nginx picks one by SNI, the first is its default.
    nginx = await startNginx(path.join(ndir, 'prefix'), [
      { server_name: 'default.test', port: 'https', ...write('default', fallback) },
      { server_name: 'www.test', port: 'https', ...write('www', fresh) },
    ]);
    const port = nginx.ports.https;
    const right = await verify('--endpoint', `127.0.0.1:${port}`, '--sni', 'www.test', '--expect-serial', fresh.serial);
    assert.equal(right.code, 0, right.stdout);
    const wrong = await verify('--endpoint', `127.0.0.1:${port}`, '--sni', 'api.test', '--expect-serial', fresh.serial);
    assert.equal(wrong.code, 1);
    const row: Row = wrong.json.endpoints[0];
    assert.equal(row.serial, fallback.serial, "nginx answered with its default server's certificate");
    assert.deepEqual(failedChecks(row).sort(), ['name-matches', 'serial']);
    assert.match(check(row, 'name-matches')!.message, /does not cover api\.test \(it names default\.test\)/);
  });

  it('SMTP STARTTLS: the mail server certificate is verified after the real upgrade', async () => {
    const s = await startStartTlsServer('smtp', full(fresh));
    servers.push(s);
    const r = await verify('--endpoint', `127.0.0.1:${s.port}`, '--sni', 'www.test', '--starttls', 'smtp', '--expect-serial', fresh.serial);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.json.endpoints[0].starttls, 'smtp');
    assert.equal(r.json.endpoints[0].serial, fresh.serial);
  });

  it('IMAP STARTTLS serving the old certificate is a mismatch', async () => {
    const s = await startStartTlsServer('imap', full(old));
    servers.push(s);
    const r = await verify('--endpoint', `127.0.0.1:${s.port}`, '--sni', 'www.test', '--starttls', 'imap', '--expect-serial', fresh.serial);
    assert.equal(r.code, 1);
    assert.equal(r.json.endpoints[0].serial, old.serial);
    assert.equal(r.json.endpoints[0].connected, true);
  });

  it('an endpoint that accepts TCP and never answers TLS is a timeout result, quickly', async () => {
    const s = await startMuteServer();
    servers.push(s);
    const started = Date.now();
    const r = await cli(['verify', '--endpoint', `127.0.0.1:${s.port}`, '--sni', 'www.test', '--timeout', '500', '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.json.endpoints[0].connected, false);
    assert.match(r.json.endpoints[0].error, /connected, but no TLS handshake within 500 ms/);
    assert.ok(Date.now() - started < 10_000);
  });

  it('connection refused is a result with its reason', async () => {
    const port = await closedPort();
    const r = await cli(['verify', '--endpoint', `127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^FAILED +127\\.0\\.0\\.1:${port} 127\\.0\\.0\\.1: connection refused$`, 'm'));
  });

  it('a name the resolver does not know is a result, not a crash', async () => {
    const r = await verify('--endpoint', 'nowhere.test:443', '--resolver', dns.server);
    assert.equal(r.code, 1);
    assert.match(r.json.endpoints[0].error, /cannot resolve nowhere\.test/);
  });

  it('bad ad-hoc flags are usage errors (exit 2)', async () => {
    assert.equal((await cli(['verify', '--endpoint', '127.0.0.1:1', '--address', 'not-an-ip'])).code, 2);
    assert.equal((await cli(['verify', '--endpoint', '127.0.0.1:1', '--resolver', 'dns.example:53'])).code, 2);
    assert.equal((await cli(['verify', '--endpoint', '127.0.0.1:1', '--starttls', 'gopher'])).code, 2);
  });
});

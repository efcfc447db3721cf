/**
 * Issue 16, the service half: what an adversarial operator did to the daemon and the CA side,
 * against real Pebble and nginx. Hostile requests to the daemon's port; a CA that accepts TCP and
 * never answers (a silent TCP listener, and a TLS listener that never answers a request); a CA
 * that answers junk; a pass that overruns its deadline; SIGTERM in a hung ACME request and in
 * post-deploy polling; a timer fed a huge interval; every page behind statusPage.auth; and Pebble
 * rejecting half of all nonces. Short timeouts are set in the configs, never slept.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startFakeAzureDns } from '../support/azure-dns.js';
import { DEV_ACCOUNT, DEV_KEY } from '../support/azurite.js';
import { get, listeningOn, locks, startDaemon, type Daemon } from '../support/daemon.js';
import { cli, startLab, type Lab } from '../support/lab.js';
import { rawHttpStatus, waitFor } from '../support/net.js';
import { labConfig } from '../support/lab-config.js';
import { makeListenerCertificate, startPebble, type Pebble } from '../support/pebble.js';

interface Listener {
  port: number;
  stop(): Promise<void>;
}

/** A TCP or TLS listener that does `onConnection` with every socket, and forgets nothing at stop. */
async function listener(make: (onSocket: (s: net.Socket) => void) => net.Server, onConnection: (s: net.Socket) => void): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = make((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('service faults (issue 16)', () => {
  let lab: Lab;
  const daemons: Daemon[] = [];
  const listeners: Listener[] = [];
  let silentTcp: Listener;
  let silentTls: Listener;
  let junk: Listener;
  let silentTlsCa: string;

  /** A one-certificate config beside the lab's (same files, nginx and Pebble unless told otherwise). */
  function writeConfig(name: string, o: { directory?: string; caBundle?: string; acme?: string; reload?: string[] | null; verify?: string; top?: string } = {}): string {
    const file = path.join(lab.dir, `${name}.yaml`);
    fs.writeFileSync(
      file,
      labConfig({
        directory: o.directory ?? lab.pebble.directory,
        caBundle: o.caBundle ?? lab.pebble.caBundleFile,
        trust: lab.pebble.rootFile,
        httpPort: lab.pebble.httpPort,
        port: lab.port,
        reload: o.reload === undefined ? lab.nginx.reloadCommand : o.reload,
        acmeExtra: o.acme,
        state: `./${name}.db`,
        verifyExtra: o.verify ?? '      pollFor: 5s\n',
        extra: o.top,
      }),
    );
    return file;
  }

  async function daemon(configFile: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ d: Daemon; port: number; base: string }> {
    const d = startDaemon(configFile, ['--listen', '127.0.0.1:0', ...args], env);
    daemons.push(d);
    const base = await listeningOn(d);
    return { d, port: Number(new URL(base).port), base };
  }

  async function stopped(d: Daemon, boundMs: number): Promise<{ code: number | null; ms: number }> {
    const started = Date.now();
    d.child.kill('SIGTERM');
    const timer = setTimeout(() => d.child.kill('SIGKILL'), boundMs + 30_000);
    const exit = await d.exited;
    clearTimeout(timer);
    return { code: exit.code, ms: Date.now() - started };
  }

  function record(stateFile: string): any {
    const db = new Database(stateFile, { readonly: true });
    try {
      const row = db.prepare("SELECT record FROM certificates WHERE name = 'web'").get() as { record: string } | undefined;
      return row ? JSON.parse(row.record) : undefined;
    } finally {
      db.close();
    }
  }

  before(async () => {
    lab = await startLab('faults-service');
    silentTcp = await listener((on) => net.createServer(on), () => undefined);
    const cert = makeListenerCertificate(path.join(lab.dir, 'silent-tls'));
    silentTlsCa = cert.ca;
    silentTls = await listener(
      (on) => tls.createServer({ cert: fs.readFileSync(cert.cert), key: fs.readFileSync(cert.key) }, on),
      () => undefined,
    );
    junk = await listener(
      (on) => net.createServer(on),
      (s) => s.write('HTTP/1.1 200 OK\r\nthis is no TLS server\r\n\r\n'),
    );
    listeners.push(silentTcp, silentTls, junk);
  });

  after(async () => {
    for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    await Promise.all(listeners.map((l) => l.stop()));
    await lab?.stop();
  });

  it('hostile request lines and headers get 400, 404 or 405 and the daemon keeps serving', async () => {
    const { d, port, base } = await daemon(writeConfig('http-total'), ['--no-initial-run', '--schedule', '0 0 1 1 *']);
    const cases: [string, string | Buffer, RegExp][] = [
      ['an absolute-form target with a broken IPv6 host', 'GET http://[/ HTTP/1.1\r\nHost: x\r\n\r\n', / 400 /],
      ['an absolute-form target with a port that is not a number', 'GET http://a:b/ HTTP/1.1\r\nHost: x\r\n\r\n', / 400 /],
      ['an asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', / 400 /],
      ['a target that is no URL at all', 'GET ht!tp:// HTTP/1.1\r\nHost: x\r\n\r\n', / 400 /],
      ['a request line that is not HTTP', 'HELLO\r\n\r\n', / 400 /],
      ['a header with a control character', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n', / 400 /],
      ['headers larger than the server takes', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, / 431 /],
      ['binary junk', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]), / 400 /],
      ['an unknown path with odd escapes', 'GET /%zz%00/../.. HTTP/1.1\r\nHost: x\r\n\r\n', / 404 /],
      ['a method the daemon does not take', 'DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n', / 405 /],
      ['a POST with a body', 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc', / 405 /],
      ['an absolute-form target that is fine', 'GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: x\r\n\r\n', / 200 /],
    ];
    for (const [name, text, expected] of cases) {
      const status = await rawHttpStatus(port, text);
      assert.match(status, expected, `${name}: got "${status}"\n${d.output().slice(-1500)}`);
      assert.equal(d.child.exitCode, null, `${name} stopped the daemon:\n${d.output().slice(-1500)}`);
    }
    assert.equal((await get(`${base}/healthz`)).status, 200);
    assert.doesNotMatch(d.output(), /Invalid URL|uncaught/i);
    assert.equal((await stopped(d, 5000)).code, 0);
  });

  it('every page but /healthz and /metrics needs the credentials of statusPage.auth', async () => {
    const env = { FAULTS_STATUS_TOKEN: 'faults-token-1234567890' };
    const file = writeConfig('auth', {
      top: 'statusPage: { auth: { bearerToken: "${env:FAULTS_STATUS_TOKEN}", basic: { user: ops, password: "${env:FAULTS_STATUS_TOKEN}" } } }\n',
    });
    const { d, base } = await daemon(file, ['--no-initial-run', '--schedule', '0 0 1 1 *'], env);
    const bearer = { authorization: `Bearer ${env.FAULTS_STATUS_TOKEN}` };
    const basic = { authorization: `Basic ${Buffer.from(`ops:${env.FAULTS_STATUS_TOKEN}`).toString('base64')}` };
    const routes: [path: string, without: number, withCredentials: number][] = [
      ['/', 401, 200],
      ['/index.html', 401, 200],
      ['/summary.txt', 401, 200],
      ['/nope', 401, 404],
      ['/healthz', 200, 200],
      ['/metrics', 200, 200],
    ];
    for (const [route, without, withCredentials] of routes) {
      const open = await fetch(`${base}${route}`);
      assert.equal(open.status, without, `${route} without credentials`);
      if (without === 401) {
        assert.match(open.headers.get('www-authenticate') ?? '', /Bearer realm="certloop"/);
        assert.doesNotMatch(await open.text(), /web|Ready|serial/i, `${route} tells nothing without credentials`);
      }
      assert.equal((await fetch(`${base}${route}`, { headers: { authorization: 'Bearer wrong' } })).status, without, `${route} with a wrong token`);
      assert.equal((await fetch(`${base}${route}`, { headers: bearer })).status, withCredentials, `${route} with the token`);
      assert.equal((await fetch(`${base}${route}`, { headers: basic })).status, withCredentials, `${route} with basic credentials`);
    }
    assert.equal((await fetch(`${base}/summary.txt`, { method: 'POST' })).status, 401, 'another method is refused before it is looked at');
    assert.match(await (await fetch(`${base}/summary.txt`, { headers: bearer })).text(), /^web {2}/m);
    assert.equal((await stopped(d, 5000)).code, 0);
    assert.doesNotMatch(d.output(), /faults-token-1234567890/, 'the token is never logged');
  });

  it('a CA that accepts TCP and never answers fails within the deadline as ACME_UNREACHABLE and counts towards failover', async () => {
    // The primary never finishes a TLS handshake: acme.connectTimeout. The fallback (Pebble) issues.
    const failover = writeConfig('hung-ca', {
      directory: `https://127.0.0.1:${silentTcp.port}/dir`,
      acme: `  connectTimeout: 1s\n  timeout: 2s\n  failoverAfter: 1\n  fallback:\n    - { directory: ${lab.pebble.directory}, caBundle: ${lab.pebble.caBundleFile} }\n`,
    });
    let started = Date.now();
    const r = await cli(['-c', failover, 'renew', 'web', '--force', '--json'], { timeoutMs: 60_000 });
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    assert.equal(r.json.certificates[0].verified, true);
    assert.match(r.stderr, /primary CA failed \(unreachable\)/);
    assert.match(r.stderr, /no TLS connection within 1s \(acme\.connectTimeout\)/);
    assert.match(r.stderr, /ordering from fallback 1/);

    // A CA that completes the handshake and then says nothing: acme.timeout, a clear error, no hang.
    const hung = writeConfig('hung-ca-tls', { directory: `https://127.0.0.1:${silentTls.port}/dir`, caBundle: silentTlsCa, acme: '  timeout: 2s\n' });
    started = Date.now();
    const h = await cli(['-c', hung, 'renew', 'web', '--force', '--json'], { timeoutMs: 60_000 });
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    assert.equal(h.code, 1, h.stderr.slice(-3000));
    const error = h.json.certificates[0].error;
    assert.equal(error.code, 'ACME_UNREACHABLE');
    assert.match(error.message, /no answer from 127\.0\.0\.1:\d+ within 2s \(acme\.timeout\)/);
    const st = (await cli(['-c', hung, 'status', 'web', '--json'])).json.certificates[0];
    assert.equal(st.caFailures[`https://127.0.0.1:${silentTls.port}/dir`].problem, 'unreachable', 'counted towards acme.fallback failover');
  });

  it('Azure DNS and the Azure Blob state store that accept connections and never answer fail within their timeouts', async () => {
    const azure = await startFakeAzureDns({ dir: path.join(lab.dir, 'azure'), zones: ['example.test'] });
    try {
      // Sign-in works (the stand-in's authority); the ARM endpoint completes TLS and says nothing.
      const bundle = path.join(lab.dir, 'azure-and-silent-ca.pem');
      fs.writeFileSync(bundle, fs.readFileSync(azure.caFile, 'utf8') + fs.readFileSync(silentTlsCa, 'utf8'));
      const file = path.join(lab.dir, 'hung-azure-dns.yaml');
      fs.writeFileSync(
        file,
        `acme: { directory: ${lab.pebble.directory}, caBundle: ${lab.pebble.caBundleFile} }
state: ./hung-azure-dns.db
certificates:
  - name: web
    domains: [www.example.test]
    challenge:
      type: dns-01
      provider: azure-dns
      subscriptionId: ${azure.subscriptionId}
      resourceGroup: ${azure.resourceGroup}
      zone: example.test
      credential: { type: client-secret, tenantId: ${azure.tenantId}, clientId: ${azure.clientId}, clientSecret: "\${env:FAULTS_AZURE_SECRET}", authorityHost: ${azure.url} }
      endpoint: https://127.0.0.1:${silentTls.port}
      caBundle: ${bundle}
      nameservers: [${azure.dnsServer}]
      timeout: 1s
    targets: [{ type: file, cert: ./live/dns/fullchain.pem, key: ./live/dns/privkey.pem }]
`,
      );
      let started = Date.now();
      const dns = await cli(['-c', file, 'renew', 'web', '--force', '--json'], { env: { FAULTS_AZURE_SECRET: azure.clientSecret }, timeoutMs: 60_000 });
      assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms: ${dns.stderr.slice(-3000)}`);
      assert.equal(dns.code, 1, dns.stderr.slice(-2000));
      assert.equal(dns.json.certificates[0].error.code, 'CHALLENGE_FAILED');
      assert.match(dns.json.certificates[0].error.message, /Azure DNS did not finish the change of _acme-challenge\.www in zone example\.test within 1s \(timeout\)/);

      // The state store: every try has a deadline (3 tries), then STATE_FAILED names the setting.
      const blob = writeConfig('hung-blob', {});
      const connection = `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:${silentTcp.port}/${DEV_ACCOUNT};`;
      fs.writeFileSync(blob, fs.readFileSync(blob, 'utf8').replace('state: ./hung-blob.db', 'state: { type: azure-blob, connectionString: "${env:FAULTS_BLOB}", timeout: 1s }'));
      started = Date.now();
      const st = await cli(['-c', blob, 'status', '--json'], { env: { FAULTS_BLOB: connection }, timeoutMs: 60_000 });
      assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
      assert.equal(st.code, 1, st.stderr.slice(-2000));
      assert.match(st.stderr + st.stdout, /azure-blob state: cannot .* no answer within 1s \(state\.timeout\)/);
    } finally {
      await azure.stop();
    }
  });

  it('a CA that answers junk instead of TLS is ACME_UNREACHABLE, not an account problem', async () => {
    const file = writeConfig('junk-ca', { directory: `https://127.0.0.1:${junk.port}/dir` });
    const r = await cli(['-c', file, 'renew', 'web', '--force', '--json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr.slice(-3000));
    const error = r.json.certificates[0].error;
    assert.equal(error.code, 'ACME_UNREACHABLE', error.message);
    assert.match(error.message, /EPROTO: no TLS server as an ACME CA would run answers there \(wrong version number\)/);
  });

  it('/healthz turns 503 with the reason while a pass overruns its deadline, and skipped ticks say so', async () => {
    // The first run's deploy takes 3 s (a slow reload) against a pass deadline of 1 s.
    const slowReload = ['sh', '-c', `sleep 3; exec ${lab.nginx.reloadCommand.map((a) => `'${a}'`).join(' ')}`];
    const file = writeConfig('overrun', { reload: slowReload, top: 'passTimeout: 1s\n' });
    const { d, base } = await daemon(file, ['--schedule', '0 0 1 1 *', '--verify-interval', '1s']);
    let body = '';
    await waitFor(async () => {
      const h = await get(`${base}/healthz`);
      body = h.body;
      return h.status === 503;
    }, 30_000, '/healthz to report the overrun');
    assert.match(body, /^unhealthy: the run pass started at \S+ has been working for \d+s, past its deadline of 1s \(passTimeout\)/);
    await waitFor(() => /"msg":"skipping this verify pass: the run pass started at/.test(d.output()), 10_000, 'a skipped tick logged as an error');
    assert.match(d.output(), /"level":50[^\n]*skipping this verify pass/);
    await waitFor(async () => (await get(`${base}/healthz`)).status === 200, 30_000, '/healthz to be healthy again once the pass ends');
    assert.match(d.output(), /"run finished"/);
    assert.equal((await stopped(d, 5000)).code, 0);
  });

  it('SIGTERM during a hung ACME request stops at once, records no failure and releases the lease', async () => {
    // Default deadlines (a request would wait 30 s): the shutdown cuts it short.
    const file = writeConfig('sigterm-acme', { directory: `https://127.0.0.1:${silentTls.port}/dir`, caBundle: silentTlsCa });
    const { d } = await daemon(file, ['--schedule', '0 0 1 1 *']);
    await waitFor(() => /"action":"issue"/.test(d.output()), 20_000, 'the run to start ordering');
    const stateFile = path.join(lab.dir, 'sigterm-acme.db');
    await waitFor(() => locks(stateFile) === 1, 10_000, 'the lease to be taken');
    const exit = await stopped(d, 5000);
    assert.equal(exit.code, 0, d.output().slice(-2000));
    assert.ok(exit.ms < 5000, `stopped after ${exit.ms} ms`);
    assert.equal(locks(stateFile), 0, 'lease released');
    const rec = record(stateFile);
    assert.equal(rec.lastFailure, undefined, 'an interrupted order is not a failure');
    assert.equal(rec.caFailures, undefined, 'nor a CA failure');
    assert.ok(rec.pendingOrder?.keyPem, 'the key made for the order is kept for the next run');
    // The next run proceeds at once (no LOCK_BUSY), here against the working CA.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`https://127.0.0.1:${silentTls.port}/dir`, lab.pebble.directory).replace(silentTlsCa, lab.pebble.caBundleFile));
    const next = await cli(['-c', file, 'renew', 'web', '--json'], { timeoutMs: 60_000 });
    assert.equal(next.code, 0, next.stderr.slice(-2000));
    assert.equal(next.json.certificates[0].renewed, true);
  });

  it('SIGTERM during post-deploy polling stops at once; the deploy is kept', async () => {
    // No reload: nginx keeps serving the old certificate, so the run polls for a minute.
    const file = writeConfig('sigterm-poll', { reload: null, verify: '      pollFor: 60s\n' });
    const stateFile = path.join(lab.dir, 'sigterm-poll.db');
    const { d } = await daemon(file, ['--schedule', '0 0 1 1 *']);
    await waitFor(() => fs.existsSync(stateFile) && record(stateFile)?.deployedSerial !== undefined, 30_000, 'the deploy to be recorded');
    const exit = await stopped(d, 5000);
    assert.equal(exit.code, 0, d.output().slice(-2000));
    assert.ok(exit.ms < 5000, `stopped after ${exit.ms} ms (polling would last 60 s)`);
    assert.equal(locks(stateFile), 0, 'lease released');
    const rec = record(stateFile);
    assert.equal(rec.deployedSerial, rec.issued.serial);
    assert.equal(rec.lastFailure, undefined);
  });

  it('an interval past Node\'s timer limit is chained, not a busy loop; zero and absurd durations are refused', async () => {
    const month = writeConfig('interval', { top: 'verifyInterval: 30d\n' });
    const { d } = await daemon(month, ['--no-initial-run', '--schedule', '0 0 1 1 *']);
    // Nothing may happen for 30 days; on Node's bare setInterval this was thousands of passes a
    // second. Showing that nothing happens takes letting time pass: this second is the test.
    await new Promise((r) => setTimeout(r, 1000));
    assert.doesNotMatch(d.output(), /verify pass starting/);
    assert.doesNotMatch(d.output(), /TimeoutOverflowWarning/);
    assert.equal((await stopped(d, 5000)).code, 0);

    const bad = await cli(['-c', writeConfig('interval-zero', { top: 'verifyInterval: 0s\n', verify: '      timeout: 99999999999d\n' }), 'config', 'check']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /interval-zero\.yaml:\d+:\d+: verifyInterval: expected a duration between 1s and 365d/);
    assert.match(bad.stderr, /interval-zero\.yaml:\d+:\d+: certificates\[0\]\.verify\.timeout: expected a duration of at most 100 years/);
    const flag = await cli(['-c', month, 'daemon', '--verify-interval', '0s']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--verify-interval.*between 1s and 365d/);
  });

  it('with Pebble rejecting half of all nonces, every one of 24 orders succeeds (RFC 8555 §6.5 retries)', async () => {
    const pebble: Pebble = await startPebble({ dir: path.join(lab.dir, 'pebble-badnonce'), nonceRejectPercent: 50 });
    try {
      const n = 24;
      const certificates = Array.from(
        { length: n },
        (_, i) => `  - name: n${i}
    domains: [n${i}.test]
    challenge: { type: http-01, listen: 127.0.0.1:${pebble.httpPort} }
    targets: [{ type: file, cert: ./badnonce/n${i}/fullchain.pem, key: ./badnonce/n${i}/privkey.pem }]
    verify: { pollFor: 0s, unverified: true }
`,
      );
      const file = path.join(lab.dir, 'badnonce.yaml');
      fs.writeFileSync(file, `acme: { directory: ${pebble.directory}, caBundle: ${pebble.caBundleFile} }\nstate: ./badnonce.db\nconcurrency: 8\ncertificates:\n${certificates.join('')}`);
      const r = await cli(['-c', file, 'run', '--json', '--log-level', 'warn'], { timeoutMs: 120_000 });
      const failed = (r.json?.certificates ?? []).filter((c: { error?: unknown }) => c.error).map((c: { name: string; error: { code: string; message: string } }) => `${c.name}: ${c.error.code} ${c.error.message}`);
      assert.deepEqual(failed, [], r.stderr.slice(-2000));
      assert.equal(r.code, 0);
      assert.equal(r.json.summary.renewed, n);
      // Pebble does not log rejections, but each one costs a POST: an order takes about 8 POSTs
      // here without rejections (measured: 200 for 24 orders) and about twice that with half rejected.
      const log = fs.readFileSync(path.join(lab.dir, 'pebble-badnonce', 'pebble.log'), 'utf8');
      assert.match(log, /Configured to reject 50% of good nonces/);
      const posts = (log.match(/ POST /g) ?? []).length;
      assert.ok(posts > 12 * n, `${posts} POSTs for ${n} orders: the load of rejected nonces was not there`);
    } finally {
      await pebble.stop();
    }
  });
});

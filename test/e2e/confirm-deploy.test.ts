/**
 * The deploy path cannot be fooled either (issue 15): `run`, `renew --force` and `rollback` against
 * Pebble, nginx and an nginx `stream` pool. A deploy is confirmed only when every connection to
 * every address agrees and keeps agreeing for verify.settle (3s by default, shown through a graceful
 * reload that leaves old workers holding connections); a stale node behind the pool keeps the
 * certificate pending, then overdue, never Ready; an old serial seen after the new one resets the
 * confirmation; an AAAA lookup that fails is a problem unless the endpoint pins IPv4; a server
 * holding this certificate and another managed one of the other key type (alsoServes) is Ready.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { startDns, type TestDns } from '../support/dns.js';
import { acmeHeader, startLab, type Lab } from '../support/lab.js';
import { startNginx, writePlaceholder, type Nginx } from '../support/nginx.js';
import { startTlsServer, type TestServer } from '../support/tls-servers.js';

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber.replace(/^0+/, '').toUpperCase();

describe('confirming a deploy against pools, reloads and dual certificates (Pebble, nginx, issue 15)', () => {
  let lab: Lab;
  let dns: TestDns;
  const stops: (() => unknown)[] = [];

  /** A certificate block of the config: file target under live/NAME, reloading `reload`. */
  const certificate = (name: string, endpoint: string, o: { key?: string; reload?: string[]; verify?: string } = {}) => `  - name: ${name}
    domains: [a.test]
    key: { type: ${o.key ?? 'ecdsa-p256'} }
    challenge: { type: http-01, listen: 127.0.0.1:${lab.pebble.httpPort} }
    targets:
      - type: file
        cert: ./live/${name}/fullchain.pem
        key: ./live/${name}/privkey.pem
${o.reload ? `        reload: ${JSON.stringify(o.reload)}\n` : ''}    verify:
      endpoints:
        - ${endpoint}
      trust: ${lab.pebble.rootFile}
${o.verify ?? '      pollFor: 3s\n      settle: 300ms\n'}`;
  const writeConfig = (certificates: string[], top = '') =>
    fs.writeFileSync(
      lab.configFile,
      `${acmeHeader(lab.pebble)}${top}certificates:
${certificates.join('')}`,
    );
  const live = (name: string) => ({ certFile: path.join(lab.dir, 'live', name, 'fullchain.pem'), keyFile: path.join(lab.dir, 'live', name, 'privkey.pem') });
  const frozen = (name: string) => ({ certPem: fs.readFileSync(live(name).certFile, 'utf8'), keyPem: fs.readFileSync(live(name).keyFile, 'utf8') });
  const nginxWeb = () => `{ host: 127.0.0.1, port: ${lab.port}, sni: a.test }`;

  before(async () => {
    lab = await startLab('confirm-deploy');
    dns = await startDns();
  });
  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await dns?.stop();
    await lab?.stop();
  });

  it('by default a deploy is confirmed only after 3s of agreement, while a graceful reload leaves old workers holding connections', async () => {
    // Long-lived connections to the worker that serves the placeholder: after the reload it keeps
    // serving them ("worker process is shutting down") while new connections get the new certificate.
    const held = await Promise.all(Array.from({ length: 3 }, () => holdConnection(lab.port)));
    stops.push(() => held.forEach((h) => h.socket.destroy()));
    writeConfig([certificate('web', nginxWeb(), { reload: lab.nginx.reloadCommand, verify: '      pollFor: 10s\n' })]);
    const started = Date.now();
    const r = await lab.run('run', '--json');
    const took = Date.now() - started;
    assert.equal(r.code, 0, r.stderr);
    const [web] = r.json.certificates;
    assert.equal(web.verdict, 'ready');
    assert.ok(took >= 3000, `confirmed after ${took} ms`);
    const status = await lab.run('status', 'web', '--json');
    const verified = status.json.certificates[0].conditions.find((c: { type: string }) => c.type === 'Verified');
    assert.match(verified.message, new RegExp(`^all 1 address\\(es\\) serve ${web.deployedSerial} on all 4 connections, held for 3s \\(settle 3s\\)$`));
    // The old worker is still there, still serving the placeholder on the connections it holds.
    const workers = execFileSync('ps', ['-o', 'args=', '--ppid', fs.readFileSync(path.join(lab.nginx.prefix, 'nginx.pid'), 'utf8').trim()], { encoding: 'utf8' });
    assert.match(workers, /worker process is shutting down/);
    for (const h of held) {
      assert.equal(h.socket.destroyed, false);
      assert.equal(h.serial, serialOf(fs.readFileSync(path.join(lab.dir, 'live', 'web', 'fullchain.pem.prev'), 'utf8')));
      assert.notEqual(h.serial, web.deployedSerial);
      h.socket.destroy();
    }
  });

  it('an AAAA lookup that fails at the configured resolver keeps the endpoint unverified, unless it pins family 4 (and verify --samples sets the connections)', async () => {
    dns.set('web.pool.test', { A: ['127.0.0.1'], AAAA: 'SERVFAIL' });
    const endpoint = (family: string) => `{ host: web.pool.test, port: ${lab.port}, sni: a.test${family} }`;
    const resolver = '      resolver: [' + dns.server + ']\n      timeout: 1s\n';
    writeConfig([certificate('web', endpoint(''), { reload: lab.nginx.reloadCommand, verify: resolver })]);
    const failing = await lab.run('verify', 'web');
    assert.equal(failing.code, 1, failing.stdout + failing.stderr);
    assert.match(failing.stdout, /^ {4}STALE web\.pool\.test:\d+ \(SNI a\.test\) web\.pool\.test: AAAA lookup failed: SERVFAIL \(A answered 127\.0\.0\.1; set family: 4/m);
    writeConfig([certificate('web', endpoint(', family: 4'), { reload: lab.nginx.reloadCommand, verify: resolver })]);
    const pinned = await lab.run('verify', 'web', '--samples', '2', '--json');
    assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
    // --samples overrides verify.samples: two default hellos, then the RSA-only and ECDSA-only ones.
    assert.deepEqual(pinned.json.certificates[0].endpoints[0].samples.map((x: { profile: string }) => x.profile), ['default', 'default', 'rsa', 'ecdsa']);
  });

  it('a stale node behind the pool keeps run, renew --force and rollback pending (then overdue), never Ready', async () => {
    // The stale node holds the certificate deployed now; nginx gets the next one.
    const node = await startTlsServer('127.0.0.1', frozen('web'));
    stops.push(() => node.stop());
    const before = serialOf(frozen('web').certPem);
    const lb = await startNginx(path.join(lab.dir, 'lb'), [], [{ port: 'lb', backends: [{ host: '127.0.0.1', port: lab.port }, { host: '127.0.0.1', port: node.port }] }]);
    stops.push(() => lb.stop());
    const lbPort = lb.ports.lb;
    const pool = (deadline: string) => writeConfig([certificate('web', `{ host: 127.0.0.1, port: ${lbPort}, sni: a.test }`, { reload: lab.nginx.reloadCommand, verify: `      pollFor: 2s\n      settle: 300ms\n      deadline: ${deadline}\n` })]);
    pool('1h');

    const renewed = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(renewed.code, 0, renewed.stderr);
    const [web] = renewed.json.certificates;
    assert.equal(web.verdict, 'pending');
    assert.equal(web.verified, false);
    assert.match(web.endpoints[0].detail, new RegExp(`\\d of \\d connections.* got ${before}, the previous certificate`));
    const status = await lab.run('status', 'web', '--json');
    assert.equal(status.json.certificates[0].state, 'Pending');
    assert.ok(status.json.certificates[0].serials.served.includes(before) && status.json.certificates[0].serials.served.includes(web.deployedSerial));

    const again = await lab.run('run', '--json');
    assert.equal(again.json.certificates[0].verdict, 'pending');
    pool('0s');
    const overdue = await lab.run('run', '--json');
    assert.equal(overdue.code, 1);
    assert.deepEqual(overdue.json.certificates[0].alerts.map((a: { reason: string }) => a.reason), ['Overdue']);

    // Rollback puts `before` back on nginx; now the stale node holds the one rolled back from.
    await node.stop();
    const stale = await startTlsServer('127.0.0.1', frozen('web'), node.port);
    stops.push(() => stale.stop());
    pool('1h');
    const rolled = await lab.run('rollback', 'web', '--json');
    assert.equal(rolled.json.to, before);
    assert.equal(rolled.json.verdict, 'pending', rolled.stdout);
    const after = await lab.run('status', 'web', '--json');
    assert.notEqual(after.json.certificates[0].state, 'Ready');
  });

  it('an old serial seen after the new one resets the confirmation, which is logged and reported', async () => {
    // A node that answers the new certificate, then the old one for one poll (three connections:
    // one default hello, then the RSA-only and ECDSA-only ones), then the new one for good.
    const placeholder = path.join(lab.dir, 'flap-old');
    writePlaceholder(`${placeholder}.pem`, `${placeholder}.key`, 'a.test');
    const old = { certPem: fs.readFileSync(`${placeholder}.pem`, 'utf8'), keyPem: fs.readFileSync(`${placeholder}.key`, 'utf8') };
    let gotNew = 0;
    const flapping = await startTlsServer('127.0.0.1', () => {
      const files = live('flap');
      if (!fs.existsSync(files.certFile)) return old;
      gotNew++;
      return gotNew > 3 && gotNew <= 6 ? old : frozen('flap');
    });
    stops.push(() => flapping.stop());
    writeConfig([certificate('flap', `{ host: 127.0.0.1, port: ${flapping.port}, sni: a.test }`, { verify: '      samples: 1\n      pollFor: 5s\n      settle: 1s\n' })]);
    const r = await lab.run('renew', 'flap', '--json');
    assert.equal(r.code, 0, r.stderr);
    const [flap] = r.json.certificates;
    assert.equal(flap.verdict, 'ready');
    assert.match(r.stderr, /confirmation reset: every address had served the new serial, then 0 of 1 serve/);
    const status = await lab.run('status', 'flap', '--json');
    const verified = status.json.certificates[0].conditions.find((c: { type: string }) => c.type === 'Verified');
    assert.match(verified.message, /held for 1s \(settle 1s\); confirmation reset 1 time\(s\), last: after \S+ of agreement: 0 of 1 serve/);
  });

  it('a server holding this ECDSA certificate and another managed RSA one (alsoServes) is Ready once both are deployed', async () => {
    const dir = path.join(lab.dir, 'live');
    writePlaceholder(path.join(dir, 'dual', 'fullchain.pem'), path.join(dir, 'dual', 'privkey.pem'), 'a.test');
    writePlaceholder(path.join(dir, 'dual-rsa', 'fullchain.pem'), path.join(dir, 'dual-rsa', 'privkey.pem'), 'a.test', 'rsa');
    const nginx: Nginx = await startNginx(path.join(lab.dir, 'dual-nginx'), [
      { server_name: 'a.test', port: 'https', ...pair(dir, 'dual'), more: [pair(dir, 'dual-rsa')], protocols: 'TLSv1.2 TLSv1.3' },
    ]);
    stops.push(() => nginx.stop());
    const port = nginx.ports.https;
    const endpoint = (other: string) => `{ host: 127.0.0.1, port: ${port}, sni: a.test, alsoServes: [${other}] }`;
    writeConfig(
      [
        certificate('dual', endpoint('dual-rsa'), { reload: nginx.reloadCommand }),
        certificate('dual-rsa', endpoint('dual'), { key: 'rsa-2048', reload: nginx.reloadCommand }),
      ],
      'concurrency: 1\n',
    );
    // One after the other: the first is confirmed by the run after the second is deployed.
    await lab.run('renew', 'dual', 'dual-rsa', '--json');
    const r = await lab.run('renew', 'dual', 'dual-rsa', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const [ecdsa, rsa] = r.json.certificates;
    assert.deepEqual([ecdsa.verdict, rsa.verdict], ['ready', 'ready']);
    const samples = ecdsa.endpoints[0].samples as { profile: string; served: string; servedIs: string }[];
    assert.deepEqual(
      samples.filter((s) => s.profile !== 'default').map((s) => `${s.profile} ${s.served} ${s.servedIs}`),
      [`rsa ${rsa.deployedSerial} companion`, `ecdsa ${ecdsa.deployedSerial} deployed`],
    );
  });
});

function pair(dir: string, name: string): { cert: string; key: string } {
  return { cert: path.join(dir, name, 'fullchain.pem'), key: path.join(dir, name, 'privkey.pem') };
}

/**
 * A connection to nginx in the middle of a request (its headers not finished), left open, with the
 * serial it was served: a reload closes idle keep-alive connections at once, busy ones it lets finish.
 */
function holdConnection(port: number): Promise<{ socket: tls.TLSSocket; serial: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'a.test', rejectUnauthorized: false }, () => {
      socket.write('GET / HTTP/1.1\r\nHost: a.test\r\n', () => resolve({ socket, serial: serialOf(socket.getPeerX509Certificate()!.toString()) }));
    });
    socket.once('error', reject);
  });
}

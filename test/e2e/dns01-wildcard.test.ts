/**
 * A wildcard certificate end to end, all real parts on loopback: BIND 9 authoritative for w.test
 * with a TSIG key, Pebble validating dns-01 against that BIND, certloop issuing `*.w.test` and
 * `w.test` through the rfc2136 solver (two TXT values on one name at once), deploying to files,
 * reloading nginx and verifying the served serial for the apex and a name under the wildcard.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseServer } from '../../src/dns/client.js';
import { startBind, type Bind } from '../support/bind.js';
import { txtAt } from '../support/dns01-conformance.js';
import { capturedOutput, cli, tempDir } from '../support/lab.js';
import { startNginx, writePlaceholder, type Nginx } from '../support/nginx.js';
import { startPebble, type Pebble } from '../support/pebble.js';

describe('a wildcard certificate through rfc2136, BIND and Pebble', () => {
  let dir: string;
  let bind: Bind;
  let pebble: Pebble;
  let nginx: Nginx;
  let port: number;
  let configFile: string;
  const certFile = () => path.join(dir, 'live', 'wild', 'fullchain.pem');

  before(async () => {
    dir = tempDir('dns01-wildcard');
    bind = await startBind({ dir: path.join(dir, 'bind'), zones: ['w.test'] });
    pebble = await startPebble({ dir: path.join(dir, 'pebble'), dnsServer: bind.server });
    writePlaceholder(certFile(), path.join(dir, 'live', 'wild', 'privkey.pem'));
    nginx = await startNginx(path.join(dir, 'nginx'), [
      { server_name: 'w.test *.w.test', port: 'https', cert: certFile(), key: path.join(dir, 'live', 'wild', 'privkey.pem') },
    ]);
    port = nginx.ports.https;
    configFile = path.join(dir, 'certloop.yaml');
    writeConfig();
  });

  function writeConfig(o: { nameservers?: string[]; propagationTimeout?: string } = {}): void {
    fs.writeFileSync(
      configFile,
      `acme:
  directory: ${pebble.directory}
  caBundle: ${pebble.caBundleFile}
state: ./certloop.db
certificates:
  - name: wild
    domains: ["*.w.test", w.test]
    challenge:
      type: dns-01
      provider: rfc2136
      server: ${bind.server}
      zone: w.test.
      tsig:
        name: ${bind.tsig.name}
        algorithm: hmac-sha256
        secret: \${env:TSIG_SECRET}
      nameservers: ${JSON.stringify(o.nameservers ?? [bind.server])}
      propagationTimeout: ${o.propagationTimeout ?? '20s'}
    targets:
      - type: file
        cert: ./live/wild/fullchain.pem
        key: ./live/wild/privkey.pem
        reload: ${JSON.stringify(nginx.reloadCommand)}
    verify:
      endpoints:
        - { host: 127.0.0.1, port: ${port}, sni: w.test }
        - { host: 127.0.0.1, port: ${port}, sni: anything.w.test }
      trust: ${pebble.rootFile}
      pollFor: 5s
      settle: 300ms
`,
    );
  }

  after(async () => {
    nginx?.stop();
    await Promise.all([pebble?.stop(), bind?.stop()]);
  });

  const run = (secret: string, ...args: string[]) => cli(['-c', configFile, ...args], { env: { TSIG_SECRET: secret } });

  it('issues *.w.test and w.test over dns-01, deploys, and both names are served the new serial', async () => {
    const r = await run(bind.tsig.secret, 'run', '--json');
    assert.equal(r.code, 0, r.stderr);
    const wild = r.json.certificates[0];
    assert.equal(wild.verdict, 'ready');
    assert.equal(wild.renewed, true);
    assert.equal(wild.verified, true);
    assert.equal(wild.endpoints.length, 2);
    assert.ok(wild.endpoints.every((e: { ok: boolean; served: string }) => e.ok && e.served === wild.issuedSerial));

    const leaf = new X509Certificate(fs.readFileSync(certFile()));
    assert.deepEqual(leaf.subjectAltName?.split(', ').sort(), ['DNS:*.w.test', 'DNS:w.test']);
    assert.equal(leaf.serialNumber.replace(/^0+/, ''), wild.issuedSerial);

    // Both challenge values were removed after validation.
    assert.deepEqual(await txtAt(parseServer(bind.server), '_acme-challenge.w.test'), []);
  });

  it('a wrong TSIG secret fails the renewal with the solver and the server answer named, and changes nothing', async () => {
    const wrong = Buffer.alloc(32, 9).toString('base64');
    const before = fs.readFileSync(certFile(), 'utf8');
    const r = await run(wrong, 'renew', 'wild', '--force', '--json');
    assert.equal(r.code, 1);
    const wild = r.json.certificates[0];
    assert.equal(wild.verdict, 'failed');
    assert.equal(wild.error.code, 'CHALLENGE_FAILED');
    assert.equal(wild.error.step, 'issue');
    assert.match(wild.error.message, /^dns-01 rfc2136: cannot add TXT _acme-challenge\.w\.test: update of zone w\.test with TSIG key "certloop" \(hmac-sha256\): 127\.0\.0\.1:\d+ answered NOTAUTH \(TSIG BADSIG/);
    assert.equal(fs.readFileSync(certFile(), 'utf8'), before, 'the deployed certificate is untouched');

    const status = await run(bind.tsig.secret, 'status', '--json');
    const s = status.json.certificates[0];
    assert.match(s.lastFailure.message, /NOTAUTH \(TSIG BADSIG/);
  });

  it('a record one authoritative server never shows fails the order before validation, and both values are still cleaned up', async () => {
    // An authoritative server that never answers: a UDP socket on a port the system picked.
    const mute = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => mute.bind(0, '127.0.0.1', resolve));
    const silent = `127.0.0.1:${mute.address().port}`;
    writeConfig({ nameservers: [bind.server, silent], propagationTimeout: '1s' });
    try {
      const r = await run(bind.tsig.secret, 'renew', 'wild', '--force', '--json');
      assert.equal(r.code, 1);
      const wild = r.json.certificates[0];
      assert.equal(wild.error.code, 'CHALLENGE_FAILED');
      assert.match(wild.error.message, new RegExp(`^dns-01 rfc2136: the record did not propagate: TXT _acme-challenge\\.w\\.test is not visible at 1 of 2 authoritative server\\(s\\) after 1s \\(${silent.replace(/\./g, '\\.')}: `));
      assert.deepEqual(await txtAt(parseServer(bind.server), '_acme-challenge.w.test'), [], 'no value left behind');
    } finally {
      mute.close();
      writeConfig();
    }
  });

  it('never shows a TSIG secret in any output', () => {
    const all = capturedOutput.join('\n');
    assert.ok(all.length > 0);
    assert.ok(!all.includes(bind.tsig.secret), 'the real secret leaked');
    assert.ok(!all.includes(Buffer.alloc(32, 9).toString('base64')), 'the wrong secret leaked');
  });
});

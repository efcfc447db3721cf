/**
 * IP-address certificates (RFC 8738) end to end: the built CLI orders a certificate for
 * 127.0.0.1 and ::1 from real Pebble 2.4 (which takes "ip" identifiers and validates them over
 * http-01 by connecting to the address itself), deploys it to real nginx listening on both
 * addresses, and verifies it there with no SNI, by the iPAddress entries of the certificate.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeHeader, cli, tempDir } from '../support/lab.js';
import { startNginx, writePlaceholder, type Nginx } from '../support/nginx.js';
import { freePort } from '../support/net.js';
import { startPebble, type Pebble } from '../support/pebble.js';

describe('an IP-address certificate (RFC 8738) against Pebble and nginx', () => {
  let dir: string;
  let pebble: Pebble;
  let nginx: Nginx;
  let port: number;
  const configFile = () => path.join(dir, 'certloop.yaml');
  const certFile = () => path.join(dir, 'live', 'ip', 'fullchain.pem');
  const write = (challenge: string) =>
    fs.writeFileSync(
      configFile(),
      `${acmeHeader(pebble)}certificates:
  - name: ip
    domains: [127.0.0.1, "::1"]
    challenge: ${challenge}
    targets:
      - type: file
        cert: ./live/ip/fullchain.pem
        key: ./live/ip/privkey.pem
        reload: ${JSON.stringify(nginx.reloadCommand)}
    verify:
      endpoints:
        - { host: 127.0.0.1, port: ${port} }
        - { host: "::1", port: ${port} }
      trust: ${pebble.rootFile}
      pollFor: 5s
      settle: 300ms
`,
    );

  before(async () => {
    dir = tempDir('ip-cert');
    pebble = await startPebble({ dir: path.join(dir, 'pebble') });
    port = await freePort();
    writePlaceholder(certFile(), path.join(dir, 'live', 'ip', 'privkey.pem'));
    nginx = await startNginx(path.join(dir, 'nginx'), [{ server_name: '_', port, cert: certFile(), key: path.join(dir, 'live', 'ip', 'privkey.pem'), addresses: ['127.0.0.1', '::1'] }]);
  });
  after(async () => {
    nginx?.stop();
    await pebble?.stop();
  });

  it('config check refuses dns-01 for an address, naming RFC 8738', async () => {
    write('{ type: dns-01, provider: rfc2136, server: "127.0.0.1:53" }');
    const r = await cli(['-c', configFile(), 'config', 'check']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /certificates\[0\]\.domains\[0\]: "127\.0\.0\.1" is an IP address: CAs validate IP identifiers over http-01 only \(RFC 8738/);
  });

  it('is issued over http-01 at the addresses themselves, deployed to nginx on both and verified without SNI', async () => {
    // [::] takes both families: Pebble's VA connects to 127.0.0.1 and to [::1] on its http-01 port.
    write(`{ type: http-01, listen: "[::]:${pebble.httpPort}" }`);
    const check = await cli(['-c', configFile(), 'config', 'check']);
    assert.equal(check.code, 0, check.stderr);

    const r = await cli(['-c', configFile(), 'run', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const ip = r.json.certificates[0];
    assert.equal(ip.renewed, true);
    assert.equal(ip.verified, true, JSON.stringify(ip));

    const leaf = new X509Certificate(fs.readFileSync(certFile()));
    assert.ok(leaf.checkIP('127.0.0.1') && leaf.checkIP('::1'), `iPAddress entries: ${leaf.subjectAltName}`);

    const status = await cli(['-c', configFile(), 'status', '--json']);
    const web = status.json.certificates[0];
    assert.equal(web.state, 'Ready');
    const results = web.endpoints as { address: string; sni?: string; served?: string; ok: boolean; checks: { name: string; ok: boolean; message: string }[] }[];
    assert.deepEqual(results.map((x) => x.address).sort(), ['127.0.0.1', '::1']);
    for (const x of results) {
      assert.equal(x.ok, true, JSON.stringify(x));
      assert.equal(x.sni, undefined, 'no SNI is sent to an address (RFC 6066 §3)');
      assert.equal(x.served, web.serials.deployed);
      const names = x.checks.find((c) => c.name === 'name-matches');
      assert.deepEqual(names && { ok: names.ok, message: names.message }, { ok: true, message: `covers the address ${x.address}` });
    }
  });
});

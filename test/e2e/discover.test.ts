/**
 * `certloop discover` driven as a user would, against a real BIND on loopback (AXFR with TSIG),
 * the ARM DNS imitation with the real Azure SDK, and a TLS server on loopback:
 *
 *   www.fleet.test      A 127.0.0.1   a certificate's domain: managed
 *   legacy.fleet.test   A 127.0.0.1   listed under watch.endpoints: watched
 *   shop.fleet.test     A 127.0.0.1   nobody listed it, answers TLS: unlisted
 *   api.fleet.test      A 127.0.0.1   in BIND and in Azure: one name, two origins, unlisted
 *   mail.fleet.test     A 127.0.0.2   nothing listens there: no TLS, listed apart
 *   portal.fleet.test   Azure only    BIND (the resolver) has no address for it: no TLS
 *   *.apps.fleet.test   wildcard      not a name anyone can connect to: passed over
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startBind, type Bind } from '../support/bind.js';
import { startFakeAzureDns, type FakeAzureDns } from '../support/azure-dns.js';
import { makePki } from '../support/certs.js';
import { cli, tempDir } from '../support/lab.js';

const ZONE = 'fleet.test';

describe('certloop discover', () => {
  let dir: string;
  let bind: Bind;
  let azure: FakeAzureDns;
  let server: tls.Server;
  let port: number;
  let config: string;

  const azureSource = (zone: string) =>
    `    - type: azure-dns
      subscriptionId: ${azure.subscriptionId}
      resourceGroup: ${azure.resourceGroup}
      zone: ${zone}
      credential: { type: client-secret, tenantId: ${azure.tenantId}, clientId: ${azure.clientId}, clientSecret: ${azure.clientSecret}, authorityHost: "${azure.url}" }
      endpoint: "${azure.url}"
      caBundle: ${azure.caFile}
      ports: [${port}]
      timeout: 10s
`;
  const writeConfig = (file: string, extraSources = '') => {
    fs.writeFileSync(
      file,
      `acme:
  directory: https://127.0.0.1:1/never-contacted
state: ./certloop.db
certificates:
  - name: web
    domains: [www.fleet.test]
    challenge: { type: http-01, listen: 127.0.0.1:1 }
    targets: [{ type: file, cert: ./live/web.pem, key: ./live/web.key }]
watch:
  endpoints:
    - { name: legacy, host: legacy.fleet.test, port: ${port} }
  sources:
    - type: axfr
      server: ${bind.server}
      zone: ${ZONE}
      tsig: { name: ${bind.tsig.name}, algorithm: ${bind.tsig.algorithm}, secret: "${bind.tsig.secret}" }
      ports: [${port}]
      timeout: 5s
${azureSource(ZONE)}${extraSources}`,
    );
    return file;
  };
  const discover = (file: string, ...args: string[]) => cli(['-c', file, ...args, '--resolver', bind.server, '--timeout', '1s'], { cwd: dir, timeoutMs: 60_000 });

  before(async () => {
    dir = tempDir('discover');
    const pki = makePki('discover test');
    const leaf = pki.leaf(['shop.fleet.test', 'api.fleet.test', 'www.fleet.test', 'legacy.fleet.test']);
    server = tls.createServer({ cert: leaf.certPem + pki.intermediate.certPem, key: leaf.keyPem }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    [bind, azure] = await Promise.all([
      startBind({
        dir: path.join(dir, 'bind'),
        zones: [ZONE],
        allowTransfer: true,
        records: {
          [ZONE]: ['www IN A 127.0.0.1', 'legacy IN A 127.0.0.1', 'shop IN A 127.0.0.1', 'api IN A 127.0.0.1', 'mail IN A 127.0.0.2', '*.apps IN A 127.0.0.1', 'mail IN MX 10 mail'],
        },
      }),
      startFakeAzureDns({ dir: path.join(dir, 'azure'), zones: [ZONE] }),
    ]);
    azure.setRecordSet(ZONE, 'CNAME', 'api', { CNAMERecord: { cname: 'shop.fleet.test' } });
    azure.setRecordSet(ZONE, 'A', 'portal', { ARecords: [{ ipv4Address: '127.0.0.1' }] });
    config = writeConfig(path.join(dir, 'certloop.yaml'));
  });

  after(async () => {
    server?.close();
    await Promise.all([bind?.stop(), azure?.stop()]);
  });

  it('sorts every name the zone sources yield into managed, watched, unlisted and no-TLS, and exits 0 (--json)', async () => {
    const r = await discover(config, '--json', 'discover');
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout).discover;
    const keys = (list: { host: string }[]) => list.map((n) => n.host);
    assert.deepEqual(keys(d.managed), ['www.fleet.test']);
    assert.equal(d.managed[0].certificate, 'web');
    assert.deepEqual(keys(d.watched), ['legacy.fleet.test']);
    assert.equal(d.watched[0].watchedBy, 'watch.endpoints "legacy"');
    // ns is the zone's own name server record (test/support/bind.ts), at 127.0.0.1 too.
    assert.deepEqual(keys(d.unlisted), ['api.fleet.test', 'ns.fleet.test', 'shop.fleet.test']);
    assert.deepEqual(keys(d.noTls), ['mail.fleet.test', 'portal.fleet.test']);
    const api = d.unlisted[0];
    assert.equal(api.port, port);
    assert.equal(api.address, '127.0.0.1');
    assert.deepEqual(api.origins, [`axfr zone fleet.test from ${bind.server}, A record api`, 'azure-dns zone fleet.test, CNAME record api']);
    const mail = d.noTls.find((n: { host: string }) => n.host === 'mail.fleet.test');
    assert.match(mail.reason, /127\.0\.0\.2: connection refused/);
    assert.match(d.noTls.find((n: { host: string }) => n.host === 'portal.fleet.test').reason, /cannot resolve portal\.fleet\.test/);
    assert.deepEqual(d.summary, { names: 7, managed: 1, watched: 1, unlisted: 3, noTls: 2, sourcesFailed: 0 });
    assert.deepEqual(
      d.sources.map((s: { id: string; ok: boolean; endpoints: number }) => [s.id, s.ok, s.endpoints]),
      [
        [`axfr:fleet.test@${bind.server}`, true, 6],
        [`azure-dns:${azure.subscriptionId}/${azure.resourceGroup}/fleet.test`, true, 2],
      ],
    );
    assert.ok(!r.stdout.includes(bind.tsig.secret) && !r.stderr.includes(bind.tsig.secret));
    assert.ok(!r.stdout.includes(azure.clientSecret) && !r.stderr.includes(azure.clientSecret));
  });

  it('prints the unlisted names first, then those without TLS apart, in text', async () => {
    const r = await discover(config, 'discover');
    assert.equal(r.code, 0, r.stderr);
    const unlisted = r.stdout.indexOf('Nobody listed these, and they answer TLS (3):');
    const apart = r.stdout.indexOf('No TLS answer on the port (2), listed apart');
    assert.ok(unlisted > 0 && apart > unlisted, r.stdout);
    assert.match(r.stdout, new RegExp(`shop\\.fleet\\.test:${port} +axfr zone fleet\\.test`));
    assert.match(r.stdout, /Managed by a certificate \(1\): www\.fleet\.test:\d+ \(certificate web\)/);
    assert.match(r.stdout, /7 names from 2 sources: 3 nobody listed, 2 without TLS\./);
  });

  it('--write appends the unlisted names that answer TLS to an inventory, keeps what it held, and adds nothing the second time', async () => {
    const inventory = path.join(dir, 'inventory.txt');
    const before = `# the web team's hosts\nlegacy.fleet.test:${port}   # kept as it is\napi.fleet.test:${port}`;
    fs.writeFileSync(inventory, before);
    const r = await discover(config, 'discover', '--write', 'inventory.txt');
    assert.equal(r.code, 0, r.stderr);
    const text = fs.readFileSync(inventory, 'utf8');
    assert.ok(text.startsWith(`${before}\n# added by certloop discover on `), text);
    assert.deepEqual(text.trim().split('\n').slice(-2), [`ns.fleet.test:${port}`, `shop.fleet.test:${port}`]);
    assert.match(r.stdout, /Added 2 to .*inventory\.txt \(1 were there already\)\./);
    assert.match(r.stdout, /is not read by a file source: add \{ type: file, path: .*inventory\.txt \}/);

    const again = await discover(config, '--json', 'discover', '--write', inventory);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).discover.written, { file: inventory, added: [], alreadyListed: 3, watchedByFileSource: false });
    assert.equal(fs.readFileSync(inventory, 'utf8'), text);
  });

  it('a source that cannot list its names is shown as SOURCE_FAILED beside the others, and the exit code is 1', async () => {
    const file = writeConfig(path.join(dir, 'failing.yaml'), azureSource('missing.test'));
    const r = await discover(file, '--json', 'discover');
    assert.equal(r.code, 1, r.stderr);
    const d = JSON.parse(r.stdout).discover;
    const failed = d.sources.filter((s: { ok: boolean }) => !s.ok);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].error.code, 'SOURCE_FAILED');
    assert.match(failed[0].error.message, /^watch source azure-dns zone missing\.test: the zone was not found in resource group/);
    assert.equal(d.summary.sourcesFailed, 1);
    assert.equal(d.summary.unlisted, 3);
  });

  it('a config without watch sources is a configuration error (exit 2) that says what to add', async () => {
    const file = path.join(dir, 'nosources.yaml');
    fs.writeFileSync(file, fs.readFileSync(config, 'utf8').replace(/\n {2}sources:[\s\S]*$/, '\n'));
    const r = await discover(file, 'discover');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /nosources\.yaml: watch\.sources: no source to discover from; add one/);
  });

  it('bad flags are usage errors (exit 2)', async () => {
    const r = await discover(config, 'discover', '--concurrency', '0');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--concurrency expects a whole number/);
  });
});

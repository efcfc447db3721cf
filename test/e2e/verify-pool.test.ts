/**
 * Verification that one lucky connection cannot fool (issue 15), driven through `certloop verify
 * --endpoint` against real nginx on loopback: a `stream` round robin over two and over three TLS
 * backends with one stale, one server holding an ECDSA and an RSA certificate of different ages (TLS
 * 1.3, and the reverse in TLS 1.2 only), and a DNS server whose AAAA lookup fails while A answers.
 * Before issue 15 each of these said "ok" (the pools on some of the runs, the others every time).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeEcdsaLeaf, makePki } from '../support/certs.js';
import { startDns, type TestDns } from '../support/dns.js';
import { cli, tempDir } from '../support/lab.js';
import { startNginx, type Nginx, type NginxServer } from '../support/nginx.js';

describe('verify --endpoint against pools and dual-certificate servers (nginx, issue 15)', () => {
  const dir = tempDir('verify-pool');
  const pki = makePki('pool test');
  const fresh = pki.leaf(['a.test']);
  const stale = pki.leaf(['a.test']);
  const freshEcdsa = makeEcdsaLeaf(pki.intermediate, ['a.test']);
  const staleEcdsa = makeEcdsaLeaf(pki.intermediate, ['a.test']);
  const root = path.join(dir, 'root.pem');
  let nginx: Nginx;
  let dns: TestDns;
  const port: Record<string, number> = {};

  /** Writes leaf + intermediate and the key, as a server is given them. */
  const files = (name: string, issued: { certPem: string; keyPem: string }) => {
    const cert = path.join(dir, `${name}.pem`);
    const key = path.join(dir, `${name}.key`);
    fs.writeFileSync(cert, issued.certPem + pki.intermediate.certPem);
    fs.writeFileSync(key, issued.keyPem);
    return { cert, key };
  };
  const verify = (...args: string[]) => cli(['verify', '--trust', root, '--sni', 'a.test', '--timeout', '2s', ...args]);

  before(async () => {
    fs.writeFileSync(root, pki.root.certPem);
    const server = (name: string, first: { cert: string; key: string }, more: { cert: string; key: string }[] = [], protocols?: string): NginxServer => ({
      server_name: 'a.test',
      port: name,
      ...first,
      more,
      protocols,
    });
    const servers = [
      server('fresh', files('fresh', fresh)),
      server('fresh2', files('fresh', fresh)),
      server('stale', files('stale', stale)),
      // ECDSA new beside RSA old, as a dual setup is usually left after only one was renewed.
      server('dual13', files('fresh-ecdsa', freshEcdsa), [files('stale', stale)], 'TLSv1.2 TLSv1.3'),
      // The reverse, in TLS 1.2 only (where Node's default hello gets the RSA one).
      server('dual12', files('stale-ecdsa', staleEcdsa), [files('fresh', fresh)], 'TLSv1.2'),
      server('ecdsaOnly', files('fresh-ecdsa', freshEcdsa), [], 'TLSv1.2 TLSv1.3'),
    ];
    const backend = (name: string) => ({ host: '127.0.0.1', port: name });
    nginx = await startNginx(path.join(dir, 'nginx'), servers, [
      { port: 'pool2', backends: [backend('fresh'), backend('stale')] },
      { port: 'pool3', backends: [backend('fresh'), backend('fresh2'), backend('stale')] },
    ]);
    Object.assign(port, nginx.ports);
    dns = await startDns();
  });

  after(async () => {
    nginx?.stop();
    await dns?.stop();
  });

  it('a single server serving the new certificate is ok (the control for what follows)', async () => {
    const r = await verify('--endpoint', `127.0.0.1:${port.fresh}`, '--expect-serial', fresh.serial);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^ok +127\\.0\\.0\\.1:${port.fresh} 127\\.0\\.0\\.1 \\(SNI a\\.test\\): serial ${fresh.serial}`, 'm'));
  });

  for (const [pool, n] of [['pool2', 2], ['pool3', 3]] as const) {
    // One probe per address (before issue 15) gets the stale backend on one run in n: of any two
    // runs in a row, at least one said ok.
    it(`a round robin over ${n} backends with one stale is not ok on two runs in a row, and says how many connections got which serial`, async () => {
      const text = await verify('--endpoint', `127.0.0.1:${port[pool]}`, '--expect-serial', fresh.serial);
      assert.equal(text.code, 1, text.stdout + text.stderr);
      assert.match(text.stdout, new RegExp(`^MISMATCH 127\\.0\\.0\\.1:${port[pool]} 127\\.0\\.0\\.1 \\(SNI a\\.test\\): .*\\d of 4 connections.* got ${stale.serial}.* \\(expected ${fresh.serial}\\)`, 'm'));
      const r = await verify('--endpoint', `127.0.0.1:${port[pool]}`, '--expect-serial', fresh.serial, '--json');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const [row] = r.json.endpoints;
      assert.equal(row.ok, false);
      assert.equal(row.serialMatches, false);
      assert.equal(row.serial, stale.serial, 'the address is reported with what the stale node serves');
      const plain = row.samples.filter((s: { profile: string }) => s.profile === 'default');
      assert.equal(plain.length, 3, 'three separate connections with the default hello by default with --expect-serial');
      // Consecutive round-robin turns: the three default hellos reach every backend.
      assert.deepEqual(new Set(plain.map((s: { serial: string }) => s.serial)), new Set([fresh.serial, stale.serial]));
      // The backends hold RSA certificates only: the ECDSA-only hello is refused, not counted.
      assert.deepEqual(row.samples.filter((s: { notOffered: boolean }) => s.notOffered).map((s: { profile: string }) => s.profile), ['ecdsa']);
      assert.match(row.detail, new RegExp(`^\\d of 4 connections.* got (${fresh.serial}|${stale.serial}); \\d of 4 connections.* got (${fresh.serial}|${stale.serial})$`));
    });
  }

  it('more samples than nodes: --samples 6 over three backends sees the stale one twice', async () => {
    const r = await verify('--endpoint', `127.0.0.1:${port.pool3}`, '--expect-serial', fresh.serial, '--samples', '6', '--json');
    assert.equal(r.code, 1);
    const plain = r.json.endpoints[0].samples.filter((s: { profile: string }) => s.profile === 'default');
    assert.equal(plain.filter((s: { serial: string }) => s.serial === stale.serial).length, 2);
  });

  it('a new ECDSA certificate beside an old RSA one (TLS 1.3) is not ok: the RSA-only profile gets the old one', async () => {
    const r = await verify('--endpoint', `127.0.0.1:${port.dual13}`, '--expect-serial', freshEcdsa.serial);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^MISMATCH .*4 of 5 connections \\(profile default, ecdsa\\) got ${freshEcdsa.serial}; 1 of 5 connections \\(profile rsa\\) got ${stale.serial}`, 'm'));
  });

  it('an old ECDSA certificate beside a new RSA one (TLS 1.2 only) is not ok: the ECDSA-only profile gets the old one', async () => {
    const r = await verify('--endpoint', `127.0.0.1:${port.dual12}`, '--expect-serial', fresh.serial, '--json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const got = r.json.endpoints[0].samples.map((s: { profile: string; serial: string }) => `${s.profile} ${s.serial}`);
    assert.deepEqual(got, [`default ${fresh.serial}`, `default ${fresh.serial}`, `default ${fresh.serial}`, `rsa ${fresh.serial}`, `ecdsa ${staleEcdsa.serial}`]);
  });

  it('a server with only an ECDSA certificate is ok: the RSA-only hello it refuses is "not offered", not a failure', async () => {
    const r = await verify('--endpoint', `127.0.0.1:${port.ecdsaOnly}`, '--expect-serial', freshEcdsa.serial, '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rsa = r.json.endpoints[0].samples.find((s: { profile: string }) => s.profile === 'rsa');
    assert.equal(rsa.notOffered, true);
    assert.equal(rsa.serial, null);
  });

  it('a resolver whose AAAA lookup fails (SERVFAIL, REFUSED, no answer) while A answers is not ok, unless the endpoint pins IPv4', async () => {
    const failures = ['SERVFAIL', 'REFUSED', 'timeout'] as const;
    const args = ['--resolver', dns.server, '--expect-serial', fresh.serial, '--timeout', '300ms'];
    for (const failure of failures) {
      dns.set(`${failure.toLowerCase()}.pool.test`, { A: ['127.0.0.1'], AAAA: failure });
      args.push('--endpoint', `${failure.toLowerCase()}.pool.test:${port.fresh}`);
    }
    const r = await verify(...args);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    for (const failure of failures) {
      const host = `${failure.toLowerCase()}.pool.test`.replace(/\./g, '\\.');
      assert.match(r.stdout, new RegExp(`^ok +${host}:\\d+ 127\\.0\\.0\\.1 \\(SNI a\\.test\\)`, 'm'), 'the IPv4 address itself is fine');
      assert.match(r.stdout, new RegExp(`^FAILED +${host}:\\d+ ${host} \\(SNI a\\.test\\): AAAA lookup failed: ${failure} .*set family: 4`, 'm'));
    }
    const pinned = await verify(...args, '--family', '4');
    assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
  });
});

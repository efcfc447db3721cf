/**
 * What "verified" may not ignore (issue 15), through `certloop verify --endpoint` against real
 * servers on loopback: nginx serving chains that browsers, curl and OpenSSL reject (an expired
 * intermediate, an intermediate with CA:FALSE, a pathLen exceeded, a leaf named only by its CN),
 * `openssl s_server` asking for a client certificate, and the serial forms people paste.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { days, makeCertificate, makePki, type Issued, type Pki } from '../support/certs.js';
import { cli, tempDir } from '../support/lab.js';
import { waitFor } from '../support/net.js';
import { startNginx, type Nginx } from '../support/nginx.js';
import { startTlsServer, type TestServer } from '../support/tls-servers.js';

type Check = { name: string; ok: boolean; message: string };
type Row = { ok: boolean; connected: boolean; serial: string | null; serialMatches: boolean; error: string | null; note: string | null; checks: Check[] };
const failedChecks = (r: Row) => r.checks.filter((c) => !c.ok).map((c) => c.name);
const check = (r: Row, name: string) => r.checks.find((c) => c.name === name)!;

describe('verify refuses chains clients refuse, and reads what picky servers serve (real nginx, openssl s_server)', () => {
  let dir: string;
  let pki: Pki;
  let rootFile: string;
  let nginx: Nginx | undefined;
  const ports: Record<string, number> = {};
  const leaves: Record<string, Issued> = {};
  const children: ChildProcess[] = [];
  let node: TestServer | undefined;
  const verify = (port: number, ...args: string[]) => cli(['verify', '--endpoint', `127.0.0.1:${port}`, '--sni', 'www.test', '--trust', rootFile, '--timeout', '3s', '--json', ...args]);
  const write = (name: string, leaf: Issued, chain: Issued[]) => {
    const cert = path.join(dir, `${name}.pem`);
    const key = path.join(dir, `${name}.key`);
    fs.writeFileSync(cert, leaf.certPem + chain.map((c) => c.certPem).join(''));
    fs.writeFileSync(key, leaf.keyPem);
    return { cert, key };
  };

  before(async () => {
    dir = tempDir('verify-chain');
    pki = makePki('chain');
    rootFile = path.join(dir, 'root.pem');
    fs.writeFileSync(rootFile, pki.root.certPem);
    // The flawed intermediates share one key (only their certificates differ); each signs its own leaf.
    const like = (o: Parameters<typeof makeCertificate>[0]) => makeCertificate({ ...o, keyOf: pki.intermediate });
    const expired = like({ cn: 'chain expired intermediate', ca: true, issuer: pki.root, notBefore: days(-400), notAfter: days(-3) });
    const notCa = like({ cn: 'chain not-a-CA intermediate', ca: true, caFlag: false, issuer: pki.root });
    const top = makeCertificate({ cn: 'chain top', ca: true, issuer: pki.root, pathLen: 0 });
    const low = like({ cn: 'chain low', ca: true, issuer: top });
    const chains: Record<string, Issued[]> = { expired: [expired], notCa: [notCa], pathLen: [low, top] };
    const servers = [];
    for (const [name, chain] of Object.entries(chains)) {
      leaves[name] = makeCertificate({ cn: 'www.test', names: ['www.test'], issuer: chain[0], keyOf: leaves.expired });
      servers.push({ server_name: 'www.test', port: name, ...write(name, leaves[name], chain) });
    }
    leaves.noSan = makeCertificate({ cn: 'www.test', noSan: true, issuer: pki.intermediate, keyOf: leaves.expired });
    servers.push({ server_name: 'www.test', port: 'noSan', ...write('nosan', leaves.noSan, [pki.intermediate]) });
    nginx = await startNginx(path.join(dir, 'nginx'), servers);
    Object.assign(ports, nginx.ports);
  });
  after(async () => {
    nginx?.stop();
    for (const c of children) c.kill();
    await node?.stop();
  });

  it('an expired intermediate is a problem naming it and its expiry, whatever the serial (exit 1)', async () => {
    const r = await verify(ports.expired, '--expect-serial', leaves.expired.serial);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const row: Row = r.json.endpoints[0];
    assert.equal(row.serialMatches, true);
    assert.deepEqual(failedChecks(row), ['chain-valid']);
    assert.match(check(row, 'chain-valid').message, /^intermediate "chain expired intermediate" expired \d{4}-\d\d-\d\dT/);
    const text = await cli(['verify', '--endpoint', `127.0.0.1:${ports.expired}`, '--sni', 'www.test', '--trust', rootFile]);
    assert.match(text.stdout, /^PROBLEM .*chain-valid: intermediate "chain expired intermediate" expired/m);
  });

  it('an intermediate with CA:FALSE is a problem saying it is not a CA (exit 1)', async () => {
    const r = await verify(ports.notCa, '--expect-serial', leaves.notCa.serial);
    assert.equal(r.code, 1);
    const row: Row = r.json.endpoints[0];
    assert.deepEqual(failedChecks(row), ['chain-valid']);
    assert.equal(check(row, 'chain-valid').message, 'intermediate "chain not-a-CA intermediate" is not a CA (basicConstraints CA:FALSE)');
    assert.equal(check(row, 'chain-trusted').ok, true, 'the path itself reaches the trusted root');
  });

  it('an intermediate below a pathLen 0 CA exceeds it (exit 1)', async () => {
    const r = await verify(ports.pathLen);
    assert.equal(r.code, 1);
    const row: Row = r.json.endpoints[0];
    assert.deepEqual(failedChecks(row), ['chain-valid']);
    assert.match(check(row, 'chain-valid').message, /^intermediate "chain top" allows 0 intermediate CA\(s\) below it \(pathLen 0\) and there are 1$/);
  });

  it('a leaf named only by its CN covers no name (exit 1)', async () => {
    const r = await verify(ports.noSan, '--expect-serial', leaves.noSan.serial);
    assert.equal(r.code, 1);
    const row: Row = r.json.endpoints[0];
    assert.deepEqual(failedChecks(row), ['name-matches']);
    assert.match(check(row, 'name-matches').message, /no subjectAltName, so it covers no name/);
  });

  it('a TLS 1.2 server that requires a client certificate (s_server -Verify 1) is read as serving its certificate, with a note', async () => {
    const leaf = pki.leaf(['www.test']);
    const files = write('client-auth', leaf, []);
    const chainFile = path.join(dir, 'client-auth-chain.pem');
    fs.writeFileSync(chainFile, pki.intermediate.certPem);
    // Port 0: s_server prints "ACCEPT 127.0.0.1:PORT" once it listens (not with -quiet).
    const serve = async (...version: string[]) => {
      const child = spawn('openssl', ['s_server', '-www', '-accept', '127.0.0.1:0', '-cert', files.cert, '-key', files.key, '-cert_chain', chainFile, '-Verify', '1', ...version], { stdio: ['ignore', 'pipe', 'ignore'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      let port = 0;
      await waitFor(() => (port = Number(/^ACCEPT 127\.0\.0\.1:(\d+)$/m.exec(out)?.[1] ?? 0)) > 0 || child.exitCode !== null, 5000, 'openssl s_server to listen');
      assert.ok(port > 0, `openssl s_server exited: ${out}`);
      return port;
    };
    for (const [label, port] of [['TLS 1.2', await serve('-tls1_2')], ['TLS 1.3', await serve('-tls1_3')]] as const) {
      const r = await verify(port, '--expect-serial', leaf.serial);
      assert.equal(r.code, 0, `${label}: ${r.stdout}`);
      const row: Row = r.json.endpoints[0];
      assert.equal(row.connected, true);
      assert.equal(row.serial, leaf.serial);
      assert.deepEqual(failedChecks(row), [], `${label}: the chain sent before the abort is judged like any other`);
      if (label === 'TLS 1.2') assert.match(row.note ?? '', /requires a client certificate .*read from the handshake/);
    }
  });

  it('--expect-serial: empty or not hex is a usage error naming the flag; openssl\'s serial= and colon forms are the serial', async () => {
    const leaf = pki.leaf(['www.test']);
    node = await startTlsServer('127.0.0.1', { certPem: leaf.certPem + pki.intermediate.certPem, keyPem: leaf.keyPem });
    for (const bad of ['', 'not-hex']) {
      const r = await verify(node.port, '--expect-serial', bad);
      assert.equal(r.code, 2, `"${bad}": ${r.stdout}`);
      assert.match(r.stderr, /--expect-serial expects a serial in hex/);
    }
    const colon = leaf.serial.toLowerCase().match(/../g)!.join(':');
    for (const good of [`serial=${leaf.serial}`, colon]) {
      const r = await verify(node.port, '--expect-serial', good);
      assert.equal(r.code, 0, `"${good}": ${r.stdout}`);
      assert.equal(r.json.endpoints[0].serialMatches, true);
    }
    const other = await verify(node.port, '--expect-serial', `serial=${pki.leaf(['www.test']).serial}`);
    assert.equal(other.code, 1, 'another serial in the serial= form is a mismatch');
  });
});

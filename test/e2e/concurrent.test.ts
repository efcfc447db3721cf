/**
 * Two `certloop run` processes started together over one state file (SQLite WAL) with six
 * certificates: per-certificate leases plus "lock, then re-check" mean each certificate is ordered
 * exactly once, whichever process gets it. Orders are counted in Pebble's own log.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, tempDir } from '../support/lab.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { assertNoKeyMaterial, keyMaterialIn } from '../support/secrets.js';
import { capturedOutput } from '../support/lab.js';

const NAMES = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];

describe('two processes over the same state', () => {
  let dir: string;
  let pebble: Pebble;
  let webroot: http.Server;
  let configFile: string;

  before(async () => {
    dir = tempDir('concurrent');
    pebble = await startPebble({ dir: path.join(dir, 'pebble') });
    // Both processes answer http-01 through one web server's webroot, as on a real host (two
    // processes cannot both listen on port 80).
    const root = path.join(dir, 'webroot');
    fs.mkdirSync(root, { recursive: true });
    webroot = http.createServer((req, res) => {
      const file = path.join(root, path.normalize(req.url ?? '/'));
      fs.readFile(file, (err, data) => (err ? res.writeHead(404).end() : res.writeHead(200).end(data)));
    });
    await new Promise<void>((r) => webroot.listen(pebble.httpPort, '127.0.0.1', () => r()));
    configFile = path.join(dir, 'certloop.yaml');
    fs.writeFileSync(
      configFile,
      `acme:
  directory: ${pebble.directory}
  caBundle: ${pebble.caBundleFile}
state: ./state/certloop.db
certificates:
${NAMES.map(
  (n) => `  - name: ${n}
    domains: [${n}.test]
    challenge: { type: http-01, webroot: ./webroot }
    targets: [{ type: file, cert: ./live/${n}/fullchain.pem, key: ./live/${n}/privkey.pem }]
    verify: { unverified: true, pollFor: 0s }
`,
).join('')}`,
    );
  });
  after(async () => {
    await new Promise<void>((r) => (webroot ? webroot.close(() => r()) : r()));
    await pebble?.stop();
    assertNoKeyMaterial(capturedOutput, keyMaterialIn(path.join(dir, 'state', 'certloop.db')));
  });

  it('renews each of six certificates exactly once', async () => {
    const [a, b] = await Promise.all([cli(['-c', configFile, 'run', '--json']), cli(['-c', configFile, 'run', '--json'])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    for (const name of NAMES) {
      const outcomes = [a, b].map((r) => r.json.certificates.find((c: { name: string }) => c.name === name));
      const renewed = outcomes.filter((o) => o.renewed);
      assert.equal(renewed.length, 1, `${name} renewed by exactly one process`);
      const other = outcomes.find((o) => !o.renewed);
      assert.ok(['Locked', 'NotVerified', 'UpToDate'].includes(other.reason), `${name}: the other process skipped or re-checked (${other.reason})`);
      if (other.reason !== 'Locked') assert.equal(other.issuedSerial, renewed[0].issuedSerial, 'after the lock, it saw the stored certificate');
    }
    const log = fs.readFileSync(path.join(dir, 'pebble', 'pebble.log'), 'utf8');
    assert.equal(log.split('\n').filter((l) => /Added order/.test(l)).length, NAMES.length, 'six orders at the CA');
    assert.equal(log.split('\n').filter((l) => /Issued certificate serial/.test(l)).length, NAMES.length);
    for (const name of NAMES) assert.ok(fs.existsSync(path.join(dir, 'live', name, 'fullchain.pem')));
  });
});

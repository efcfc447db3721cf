/**
 * Crash-resume: the process is killed with SIGKILL at every step boundary (test/support/crash-entry.ts:
 * the CLI with a step hook that crashes where CERTLOOP_TEST_CRASH_AT says), and the next plain
 * `certloop run` must finish the job with the same certificate: no second order at the CA (counted in Pebble's own log), no lost
 * key, no half-written file, the lock of the dead process taken over.
 */
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { cli, startLab, type Lab } from '../support/lab.js';

const CRASH_ENTRY = fileURLToPath(new URL('../support/crash-entry.js', import.meta.url));

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber.replace(/^0+/, '').toUpperCase();

describe('crash-resume at every step boundary', () => {
  let lab: Lab;
  let stateFile: string;
  const pebbleLog = () => fs.readFileSync(path.join(lab.dir, 'pebble', 'pebble.log'), 'utf8');
  const count = (re: RegExp) => pebbleLog().split('\n').filter((l) => re.test(l)).length;
  const run = (args: string[], opts: { env?: Record<string, string>; entry?: string } = {}) => cli(['-c', lab.configFile, ...args], opts);
  const targets = () => [
    { cert: lab.certFile, key: lab.keyFile },
    { cert: path.join(lab.dir, 'backup', 'web', 'fullchain.pem'), key: path.join(lab.dir, 'backup', 'web', 'privkey.pem') },
  ];
  function record(): any {
    const db = new Database(stateFile, { readonly: true });
    try {
      return JSON.parse((db.prepare('SELECT record FROM certificates WHERE name = ?').get('web') as { record: string }).record);
    } finally {
      db.close();
    }
  }

  before(async () => {
    lab = await startLab('crash');
    stateFile = path.join(lab.dir, 'state', 'certloop.db');
    fs.writeFileSync(
      lab.configFile,
      `acme:
  directory: ${lab.pebble.directory}
  caBundle: ${lab.pebble.caBundleFile}
state: ./state/certloop.db
certificates:
  - name: web
    domains: [a.test, b.test]
    challenge: { type: http-01, listen: 127.0.0.1:${lab.pebble.httpPort} }
    targets:
      - type: file
        cert: ./live/web/fullchain.pem
        key: ./live/web/privkey.pem
        reload: ${JSON.stringify(lab.nginx.reloadCommand)}
      - type: file
        cert: ./backup/web/fullchain.pem
        key: ./backup/web/privkey.pem
    verify:
      endpoints: [{ host: 127.0.0.1, port: ${lab.port}, sni: a.test }]
      trust: ${lab.pebble.rootFile}
      pollFor: 5s
      settle: 300ms
`,
    );
    const first = await run(['run', '--json']);
    assert.equal(first.code, 0, first.stderr);
  });
  after(async () => {
    await lab?.stop();
  });

  it('keeps the state folder 0700, the state files and key files 0600', () => {
    assert.equal(fs.statSync(path.dirname(stateFile)).mode & 0o777, 0o700);
    for (const f of [stateFile, `${stateFile}-wal`, `${stateFile}-shm`]) {
      if (fs.existsSync(f)) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
    }
    for (const t of targets()) assert.equal(fs.statSync(t.key).mode & 0o777, 0o600, t.key);
  });

  const cases: { at: string; ordersAgain: boolean; note: string }[] = [
    { at: 'order-placed', ordersAgain: true, note: 'resumes the stored order with the stored key' },
    { at: 'downloaded', ordersAgain: true, note: 'downloads the finished order again instead of ordering' },
    { at: 'issued', ordersAgain: false, note: 'deploys the stored certificate' },
    { at: 'reload-done:1', ordersAgain: false, note: 'redeploys the first target idempotently, then the second' },
    { at: 'target-deployed:1', ordersAgain: false, note: 'deploys only the second target' },
    { at: 'mid-verify', ordersAgain: false, note: 'only verifies' },
  ];

  for (const c of cases) {
    it(`killed at ${c.at}: the next run ${c.note}, same certificate, one order`, async () => {
      const orders = count(/Added order/);
      const issuedByCa = count(/Issued certificate serial/);
      const previousServed = serialOf(fs.readFileSync(lab.certFile, 'utf8'));

      const crash = await run(['renew', 'web', '--force', '--json'], { env: { CERTLOOP_TEST_CRASH_AT: c.at }, entry: CRASH_ENTRY });
      assert.equal(crash.code, -1, `killed, not exited (stderr: ${crash.stderr.slice(-500)})`);
      assert.match(crash.stderr, new RegExp(`CERTLOOP_TEST_CRASH_AT=${c.at}`));
      const stored = record();
      const keyAtCrash = stored.pendingOrder?.keyPem ?? stored.issued.keyPem;

      const next = await run(['run', '--json']);
      assert.equal(next.code, 0, next.stderr);
      assert.match(next.stderr, /taking over the lock of a certloop process that is no longer running/);
      const web = next.json.certificates[0];
      assert.equal(web.verdict, 'ready');
      assert.equal(web.verified, true);
      assert.equal(web.renewed, c.ordersAgain, 'only an unfinished order is resumed');

      assert.equal(count(/Added order/) - orders, 1, 'exactly one order placed at the CA');
      assert.equal(count(/Issued certificate serial/) - issuedByCa, 1, 'exactly one certificate issued by the CA');
      const caSerial = /Issued certificate serial ([0-9a-f]+)/.exec(pebbleLog().split('\n').filter((l) => /Issued certificate serial/.test(l)).at(-1)!)![1];
      assert.equal(web.issuedSerial, caSerial.replace(/^0+/, '').toUpperCase(), 'the certificate deployed is the one the CA issued');
      assert.notEqual(web.issuedSerial, previousServed);

      const now = record();
      assert.equal(now.issued.keyPem, keyAtCrash, 'the key generated before the crash is the key in use');
      assert.equal(now.pendingOrder, undefined);
      for (const t of targets()) {
        const pem = fs.readFileSync(t.cert, 'utf8');
        assert.equal(serialOf(pem), web.issuedSerial, `${t.cert} holds the new certificate`);
        assert.ok(new X509Certificate(pem).checkPrivateKey(createPrivateKey(fs.readFileSync(t.key))), `${t.key} matches its certificate`);
        const leftovers = fs.readdirSync(path.dirname(t.cert)).filter((f) => f.endsWith('.tmp'));
        assert.deepEqual(leftovers, [], 'no half-written temporary files');
      }
      assert.notEqual(serialOf(fs.readFileSync(`${lab.certFile}.prev`, 'utf8')), web.issuedSerial, '.prev still holds the previous certificate');
      if (c.at === 'target-deployed:1') {
        const deploys = next.stderr.split('\n').filter((l) => l.includes('"deploying"'));
        assert.equal(deploys.length, 1, 'only the second target is deployed again');
        assert.match(deploys[0], /backup/);
      }
    });
  }

  it('the CLI users run has no crash hook: CERTLOOP_TEST_CRASH_AT set, it renews to the end', async () => {
    const r = await run(['renew', 'web', '--force', '--json'], { env: { CERTLOOP_TEST_CRASH_AT: 'issued' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.certificates[0].verdict, 'ready');
    assert.doesNotMatch(r.stderr, /CERTLOOP_TEST_CRASH_AT|killing this process/);
  });
});

/**
 * `run --recheck due` against real Pebble and nginx: a certificate with nothing to do whose
 * endpoints passed a check within the policy's recheckInterval is reported without probing or
 * writing; drift is then seen by a default run at once and by `--recheck due` once the interval
 * has passed; a changed endpoint list, a policy that re-checks every run, or an open problem always
 * takes the full path.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startLab, type Lab } from '../support/lab.js';
import { labConfig } from '../support/lab-config.js';
import { writePlaceholder } from '../support/nginx.js';

describe('run --recheck due (Pebble, file target, nginx)', () => {
  let lab: Lab;
  const writeConfig = (o: { recheck: string; extraEndpoint?: boolean }) => {
    const endpoint = `        - { host: 127.0.0.1, port: ${lab.port}, sni: a.test }\n`;
    const text = labConfig({
        directory: lab.pebble.directory,
        caBundle: lab.pebble.caBundleFile,
        trust: lab.pebble.rootFile,
        httpPort: lab.pebble.httpPort,
        port: lab.port,
        reload: lab.nginx.reloadCommand,
        verifyExtra: `      pollFor: 5s\n      settle: 300ms\n    policy: { name: default, recheckInterval: ${o.recheck} }\n`,
      });
    assert.ok(text.includes(endpoint));
    fs.writeFileSync(lab.configFile, o.extraEndpoint ? text.replace(endpoint, `${endpoint}${endpoint.replace('a.test', 'b.test')}`) : text);
  };
  /** The stored record, byte for byte: a fresh certificate must not be written. */
  const stored = () => {
    const db = new Database(path.join(lab.dir, 'certloop.db'), { readonly: true });
    try {
      return db.prepare('SELECT version, record FROM certificates WHERE name = ?').get('web') as { version: number; record: string };
    } finally {
      db.close();
    }
  };
  const lastCheck = () => (JSON.parse(stored().record) as { lastVerification: { at: string } }).lastVerification.at;

  before(async () => {
    lab = await startLab('recheck-due');
    writeConfig({ recheck: '1h' });
    const first = await lab.run('run', '--json');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(first.json.certificates[0].verified, true);
    assert.equal(first.json.certificates[0].fresh, false, 'a default run always probes');
  });
  after(() => lab?.stop());

  it('reports a certificate checked within the interval from the state store: no probe, no write', async () => {
    const before = stored();
    const r = await lab.run('run', '--recheck', 'due', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const web = r.json.certificates[0];
    assert.equal(web.verified, true);
    assert.equal(web.fresh, true);
    assert.equal(web.checkedAt, lastCheck(), 'the check it relied on');
    assert.equal(Date.parse(web.recheckAt) - Date.parse(web.checkedAt), 3_600_000);
    assert.equal(web.action, 'none');
    assert.deepEqual(web.endpoints, [], 'no address was probed by this run');
    assert.equal(r.json.summary.fresh, 1);
    assert.equal(r.json.summary.verified, 1);
    assert.deepEqual(stored(), before, 'nothing written: no lock, no verification record');

    const text = await lab.run('run', '--recheck', 'due');
    assert.equal(text.code, 0);
    assert.match(text.stdout, /web: all 1 address\(es\) served [0-9A-F]+ when checked \S+ ago; next check after /);
    assert.match(text.stdout, /1 verified \(1 by an earlier check within the recheck interval\)/);
  });

  it('drift behind its back: a default run sees it at once; --recheck due waits for the interval, then keeps alerting', async () => {
    // Roll nginx back to a different certificate without telling certloop.
    const deployed = { cert: fs.readFileSync(lab.certFile, 'utf8'), key: fs.readFileSync(lab.keyFile, 'utf8') };
    writePlaceholder(lab.certFile, lab.keyFile);
    execFileSync(lab.nginx.reloadCommand[0], lab.nginx.reloadCommand.slice(1));
    try {
      const quiet = await lab.run('run', '--recheck', 'due', '--json');
      assert.equal(quiet.code, 0, 'within the interval the endpoint is not probed (the documented trade-off)');
      assert.equal(quiet.json.certificates[0].fresh, true);

      const full = await lab.run('run', '--json');
      assert.equal(full.code, 1, full.stdout);
      assert.equal(full.json.certificates[0].drift, true);

      // An open problem is never "fresh": every --recheck due run probes and alerts until it is fixed.
      const again = await lab.run('run', '--recheck', 'due', '--json');
      assert.equal(again.code, 1, again.stdout);
      assert.equal(again.json.certificates[0].fresh, false);
      assert.equal(again.json.certificates[0].drift, true);
    } finally {
      fs.writeFileSync(lab.certFile, deployed.cert);
      fs.writeFileSync(lab.keyFile, deployed.key);
      execFileSync(lab.nginx.reloadCommand[0], lab.nginx.reloadCommand.slice(1));
    }
    const healed = await lab.run('run', '--recheck', 'due', '--json');
    assert.equal(healed.code, 0, healed.stdout);
    assert.equal(healed.json.certificates[0].fresh, false, 'probed: the last check had found drift');
    assert.equal((await lab.run('run', '--recheck', 'due', '--json')).json.certificates[0].fresh, true);
  });

  it('probes again when the endpoints changed or the policy re-checks every run', async () => {
    writeConfig({ recheck: '1h', extraEndpoint: true });
    const changed = await lab.run('run', '--recheck', 'due', '--json');
    assert.equal(changed.code, 0, changed.stdout);
    assert.equal(changed.json.certificates[0].fresh, false);
    assert.equal(changed.json.certificates[0].endpoints.length, 2, 'both endpoints probed');
    assert.equal((await lab.run('run', '--recheck', 'due', '--json')).json.certificates[0].fresh, true, 'then fresh again');

    writeConfig({ recheck: '0s', extraEndpoint: true });
    const every = await lab.run('run', '--recheck', 'due', '--json');
    assert.equal(every.code, 0);
    assert.equal(every.json.certificates[0].fresh, false);
  });

  it('a wrong mode is a usage error naming the choices', async () => {
    const bad = await lab.run('run', '--recheck', 'sometimes');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /all, due/);
  });
});

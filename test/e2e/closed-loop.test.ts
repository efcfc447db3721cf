/**
 * The closed loop end to end, driven through the CLI as an operator would: real Pebble as the CA,
 * real nginx as the endpoint, on loopback.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startLab, cli, type Lab } from '../support/lab.js';

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function servedSerial(lab: Lab): Promise<string> {
  const r = await cli(['verify', '--endpoint', `127.0.0.1:${lab.port}`, '--sni', 'a.test', '--json']);
  return r.json.endpoints[0].serial;
}

describe('the closed loop against Pebble and nginx', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab('closed-loop');
  });
  after(async () => {
    await lab?.stop();
  });

  it('first run issues, deploys to files, reloads nginx and verifies the served serial', async () => {
    const r = await lab.run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    const web = r.json.certificates[0];
    assert.equal(web.renewed, true);
    assert.equal(web.deployed, true);
    assert.equal(web.verified, true);
    assert.match(web.issuedSerial, /^[0-9A-F]+$/);
    assert.equal(web.deployedSerial, web.issuedSerial);
    assert.equal(await servedSerial(lab), web.issuedSerial);
    assert.equal(fs.statSync(lab.keyFile).mode & 0o777, 0o600, 'the key is written 0600');
    assert.ok(fs.existsSync(`${lab.certFile}.prev`), 'the placeholder was kept as .prev');

    const status = await lab.run('status', '--json');
    assert.equal(status.code, 0);
    const s = status.json.certificates[0];
    assert.equal(s.state, 'Ready');
    assert.deepEqual(s.serials.served, [web.issuedSerial]);
    assert.equal(s.conditions.find((c: { type: string }) => c.type === 'Verified').status, 'True');
  });

  it('a second run orders nothing and re-verifies', async () => {
    const before = (await lab.run('status', '--json')).json.certificates[0].serials.issued;
    const r = await lab.run('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    const web = r.json.certificates[0];
    assert.equal(web.renewed, false);
    assert.equal(web.deployed, false);
    assert.equal(web.verified, true);
    assert.equal(web.issuedSerial, before);
    assert.equal(web.reason, 'UpToDate');
  });

  it('renew --force gets a new certificate and nginx serves it', async () => {
    const old = await servedSerial(lab);
    const r = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(r.code, 0, r.stderr);
    const web = r.json.certificates[0];
    assert.notEqual(web.issuedSerial, old);
    assert.equal(await servedSerial(lab), web.issuedSerial);
    assert.equal(fs.readFileSync(`${lab.certFile}.prev`, 'utf8').length > 0, true);
  });

  it('a failing reload command is a failed deploy, retried next run with the same certificate', async () => {
    lab.writeConfig({ reload: ['false'] });
    const r = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(r.code, 1);
    const web = r.json.certificates[0];
    assert.equal(web.verdict, 'failed');
    assert.equal(web.error.code, 'RELOAD_FAILED');
    assert.match(web.error.message, /`false` exited with 1/);
    const issued = web.issuedSerial;
    assert.notEqual(await servedSerial(lab), issued, 'nginx still serves the old certificate');

    // The operator fixes the reload command; the next scheduled run deploys the same certificate.
    lab.writeConfig();
    const again = await lab.run('run', '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.certificates[0].renewed, false, 'no new order');
    assert.equal(again.json.certificates[0].issuedSerial, issued);
    assert.equal(await servedSerial(lab), issued);
  });

  it('nginx left serving the old files is reported as not served, and verified once it reloads', async () => {
    lab.writeConfig({ reload: null });
    const r = await lab.run('renew', 'web', '--force', '--json');
    // The default policy gives a reloaded server no grace beyond the run's polling: overdue at once.
    assert.equal(r.code, 1);
    const web = r.json.certificates[0];
    assert.equal(web.verdict, 'pending');
    assert.ok(web.alerts.some((a: { reason: string }) => a.reason === 'Overdue'), JSON.stringify(web.alerts));
    assert.equal(web.verified, false);
    assert.equal(web.endpoints[0].ok, false);
    assert.notEqual(web.endpoints[0].served, web.issuedSerial);
    const text = await lab.run('status');
    assert.equal(text.code, 1);
    assert.match(text.stdout, /STALE/);

    // Still pending on the next run, still without a new order.
    const again = await lab.run('run', '--json');
    assert.equal(again.code, 1);
    assert.equal(again.json.certificates[0].verdict, 'pending');
    assert.equal(again.json.certificates[0].renewed, false);
    assert.equal(again.json.certificates[0].issuedSerial, web.issuedSerial);

    // Someone reloads nginx; the next run sees the new serial served.
    const { spawnSync } = await import('node:child_process');
    spawnSync(lab.nginx.reloadCommand[0], lab.nginx.reloadCommand.slice(1));
    lab.writeConfig();
    const fixed = await lab.run('run', '--json');
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(fixed.json.certificates[0].verified, true);
    assert.equal(fixed.json.certificates[0].issuedSerial, web.issuedSerial);
  });

  it('a certificate that does not match its key is never deployed', async () => {
    const before = { cert: sha256(lab.certFile), key: sha256(lab.keyFile) };
    // Corrupt the stored key of a freshly issued, not yet deployed certificate.
    const db = new Database(path.join(lab.dir, 'certloop.db'));
    const row = db.prepare('SELECT record, version FROM certificates WHERE name = ?').get('web') as { record: string; version: number };
    const rec = JSON.parse(row.record);
    rec.issued.keyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    rec.issued.serial = 'ABC123';
    rec.deployedSerial = undefined;
    db.prepare('UPDATE certificates SET record = ? WHERE name = ?').run(JSON.stringify(rec), 'web');
    db.close();

    const r = await lab.run('run', '--json');
    assert.equal(r.code, 1);
    const web = r.json.certificates[0];
    assert.equal(web.verdict, 'failed');
    assert.equal(web.error.code, 'CERT_CHECK_FAILED');
    assert.match(web.error.message, /private key does not match/);
    assert.deepEqual({ cert: sha256(lab.certFile), key: sha256(lab.keyFile) }, before, 'files untouched');

    // The rejected certificate is replaced by a new order, which deploys and verifies.
    const fixed = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(await servedSerial(lab), fixed.json.certificates[0].issuedSerial);
  });
});

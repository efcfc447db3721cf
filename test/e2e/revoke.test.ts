/**
 * `certloop revoke` end to end against Pebble and nginx (issue 19): Pebble revokes the certificate
 * (its management API says so, with the reason), certloop records it, and the replacement has a
 * new key and is what nginx serves; with --no-renew the next run replaces it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pebbleCertStatus, publicKeyOf, servedCertificate } from '../support/acme-account.js';
import { startLab, type Lab } from '../support/lab.js';

function history(lab: Lab, type: string): { message: string; data: Record<string, unknown> }[] {
  const db = new Database(path.join(lab.dir, 'certloop.db'), { readonly: true });
  try {
    const rows = db.prepare("SELECT message, data FROM events WHERE certificate = 'web' AND type = ? ORDER BY id").all(type) as { message: string; data: string }[];
    return rows.map((r) => ({ message: r.message, data: JSON.parse(r.data) }));
  } finally {
    db.close();
  }
}

async function served(lab: Lab) {
  const cert = await servedCertificate(lab.port, 'a.test');
  return { serial: cert.serialNumber.replace(/^0+/, ''), publicKey: cert.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

describe('certloop revoke against Pebble and nginx', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab('revoke');
    const first = await lab.run('run', '--json');
    assert.equal(first.code, 0, first.stderr);
  });
  after(async () => {
    await lab?.stop();
  });

  it('revokes the served certificate with the account key, and at once a replacement with a new key is deployed and served by nginx', async () => {
    const before = await served(lab);
    assert.equal(publicKeyOf(fs.readFileSync(lab.keyFile, 'utf8')), before.publicKey);

    const r = await lab.run('revoke', 'web', '--reason', 'superseded', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.revocation.serial, before.serial);
    assert.equal(r.json.revocation.reason, 'superseded');
    assert.equal(r.json.revocation.signedWith, 'account-key');
    assert.equal(r.json.inUse, true);
    const replacement = r.json.replacement;
    assert.equal(replacement.verdict, 'ready', JSON.stringify(replacement));
    assert.equal(replacement.reason, 'Revoked');
    assert.equal(replacement.renewed, true);
    assert.equal(replacement.verified, true);
    assert.notEqual(replacement.issuedSerial, before.serial);

    // The CA's own records: revoked with reason 4 (superseded, RFC 5280 §5.3.1).
    const status = await pebbleCertStatus(lab.pebble, before.serial);
    assert.equal(status.Status, 'Revoked');
    assert.equal(status.Reason, 4);
    assert.equal((await pebbleCertStatus(lab.pebble, replacement.issuedSerial)).Status, 'Valid');

    // nginx serves the replacement, and its key is a new one (key.reuse: false, the default).
    const after = await served(lab);
    assert.equal(after.serial, replacement.issuedSerial);
    assert.notEqual(after.publicKey, before.publicKey);
    assert.equal(publicKeyOf(fs.readFileSync(lab.keyFile, 'utf8')), after.publicKey);

    const st = (await lab.run('status', '--json')).json.certificates[0];
    assert.equal(st.state, 'Ready');
    assert.equal(st.revoked, null, 'the revoked certificate is no longer the one in use');
    assert.deepEqual(st.revocations.map((x: { serial: string; reason: string }) => [x.serial, x.reason]), [[before.serial, 'superseded']]);
    const events = history(lab, 'revoked');
    assert.equal(events.length, 1);
    assert.deepEqual(events[0].data, { serial: before.serial, reason: 'superseded', signedWith: 'account-key', directory: lab.pebble.directory, replacement: true });
  });

  it('keyCompromise is signed with the certificate key, is recorded by the CA with reason 1, and is replaced by a certificate with another key', async () => {
    const before = await served(lab);
    const r = await lab.run('revoke', 'web', '--reason', 'keyCompromise');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^revoked web ${before.serial} \\(keyCompromise, signed with the certificate's own key\\)`, 'm'));
    assert.match(r.stdout, /^ok +web \(renewed [0-9A-F]+…?, deployed\)/m);
    const status = await pebbleCertStatus(lab.pebble, before.serial);
    assert.equal(status.Status, 'Revoked');
    assert.equal(status.Reason, 1);
    const after = await served(lab);
    assert.notEqual(after.serial, before.serial);
    assert.notEqual(after.publicKey, before.publicKey);
    assert.equal(history(lab, 'revoked').at(-1)!.data.signedWith, 'certificate-key');
  });

  it('revoke --no-renew only revokes: status shows it, plan and the next run replace it', async () => {
    const before = await served(lab);
    const r = await lab.run('revoke', 'web', '--reason', 'cessationOfOperation', '--no-renew', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.replacement, null);
    assert.equal((await pebbleCertStatus(lab.pebble, before.serial)).Reason, 5);
    assert.equal((await served(lab)).serial, before.serial, 'nothing was replaced yet');

    const st = await lab.run('status', '--json');
    assert.equal(st.code, 1, 'not Ready while the revoked certificate is in use');
    const s = st.json.certificates[0];
    assert.equal(s.revoked.serial, before.serial);
    assert.equal(s.revoked.reason, 'cessationOfOperation');
    assert.equal(s.next.reason, 'Revoked');
    assert.equal(s.conditions.find((c: { type: string }) => c.type === 'Ready').reason, 'Revoked');
    assert.match((await lab.run('status')).stdout, /REVOKED +[0-9A-F]+.* \(cessationOfOperation\)/);

    const run = await lab.run('run', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.certificates[0].reason, 'Revoked');
    assert.equal(run.json.certificates[0].verified, true);
    const after = await served(lab);
    assert.notEqual(after.serial, before.serial);
    assert.notEqual(after.publicKey, before.publicKey);
  });

  it('--serial picks a kept certificate; an unknown serial or name is a usage error (exit 2); a revoked previous certificate is never rolled back to', async () => {
    const unknown = await lab.run('revoke', 'web', '--serial', '0A1B2C', '--json');
    assert.equal(unknown.code, 2);
    assert.equal(unknown.json.error.code, 'USAGE');
    assert.match(unknown.json.error.message, /keeps no certificate with that serial for web/);
    assert.equal((await lab.run('revoke', 'nope')).code, 2);
    assert.equal((await lab.run('revoke', 'web', '--reason', 'whatever')).code, 2);

    // The previous certificate (revoked by the test above) cannot come back.
    const rollback = await lab.run('rollback', 'web', '--json');
    assert.equal(rollback.code, 1);
    assert.match(rollback.json.error.message, /was revoked \(cessationOfOperation\)/);

    // Revoking it again is safe: the CA says it is revoked already, and nothing is replaced.
    const prev = (history(lab, 'revoked').at(-1)!.data.serial) as string;
    const again = await lab.run('revoke', 'web', '--serial', prev, '--reason', 'cessationOfOperation', '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.revocation.alreadyRevoked, true);
    assert.equal(again.json.inUse, false);
    assert.equal(again.json.replacement, null);
  });

  it('key.reuse: true keeps the key across renewals, yet a revocation still gets a new key', async () => {
    fs.writeFileSync(lab.configFile, fs.readFileSync(lab.configFile, 'utf8').replace('key: { type: ecdsa-p256 }', 'key: { type: ecdsa-p256, reuse: true }'));
    try {
      const before = await served(lab);
      const renewed = await lab.run('renew', 'web', '--force', '--json');
      assert.equal(renewed.code, 0, renewed.stderr);
      const kept = await served(lab);
      assert.notEqual(kept.serial, before.serial);
      assert.equal(kept.publicKey, before.publicKey, 'the renewal kept the key');

      const r = await lab.run('revoke', 'web', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json.revocation.reason, 'unspecified');
      assert.equal((await pebbleCertStatus(lab.pebble, kept.serial)).Status, 'Revoked');
      const after = await served(lab);
      assert.notEqual(after.serial, kept.serial);
      assert.notEqual(after.publicKey, kept.publicKey, 'a revoked key is never reused');
    } finally {
      lab.writeConfig();
    }
  });

  it('--help teaches the reasons, the keys used and the exit codes', async () => {
    const help = await lab.run('revoke', '--help');
    assert.equal(help.code, 0);
    for (const word of ['keyCompromise', 'superseded', 'cessationOfOperation', '--no-renew', 'new private key', 'Exit 0']) assert.ok(help.stdout.includes(word), word);
  });
});

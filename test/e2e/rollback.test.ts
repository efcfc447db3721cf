/**
 * `certloop rollback` end to end against Pebble and nginx: after two renewals, the previous
 * certificate goes back on the file target, nginx serves it, status and history say so, and the
 * next scheduled run does not undo it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { cli, startLab, type Lab } from '../support/lab.js';

async function servedSerial(lab: Lab): Promise<string> {
  const r = await cli(['verify', '--endpoint', `127.0.0.1:${lab.port}`, '--sni', 'a.test', '--json']);
  return r.json.endpoints[0].serial;
}

function events(lab: Lab): { type: string; message: string; data: string | null }[] {
  const db = new Database(path.join(lab.dir, 'certloop.db'), { readonly: true });
  try {
    return db.prepare("SELECT type, message, data FROM events WHERE certificate = 'web' ORDER BY id").all() as { type: string; message: string; data: string | null }[];
  } finally {
    db.close();
  }
}

describe('certloop rollback against Pebble and nginx', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab('rollback');
  });
  after(async () => {
    await lab?.stop();
  });

  it('is refused with the reason while only one certificate has been deployed', async () => {
    const first = await lab.run('run', '--json');
    assert.equal(first.code, 0, first.stderr);
    const r = await lab.run('rollback', 'web');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rollback of web refused: no previous certificate is kept/);
    const j = await lab.run('rollback', 'web', '--json');
    assert.equal(j.json.verdict, 'refused');
    assert.equal(j.json.error.code, 'ROLLBACK_REFUSED');
  });

  it('after two renewals, puts the previous certificate back, nginx serves it and status shows it', async () => {
    const second = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(second.code, 0, second.stderr);
    const third = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(third.code, 0, third.stderr);
    const s2 = second.json.certificates[0].issuedSerial;
    const s3 = third.json.certificates[0].issuedSerial;
    assert.notEqual(s2, s3);
    assert.equal(await servedSerial(lab), s3);

    const r = await lab.run('rollback', 'web', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.verdict, 'ready');
    assert.equal(r.json.from, s3);
    assert.equal(r.json.to, s2);
    assert.equal(r.json.verified, true);
    assert.equal(await servedSerial(lab), s2, 'nginx serves the previous serial');

    const status = await lab.run('status', '--json');
    assert.equal(status.code, 0, status.stdout);
    const st = status.json.certificates[0];
    assert.equal(st.state, 'Ready');
    assert.equal(st.serials.deployed, s2);
    assert.deepEqual(st.serials.served, [s2]);
    assert.equal(st.rollback.serial, s2);
    assert.equal(st.rollback.from, s3);
    assert.equal(st.conditions.find((c: { type: string }) => c.type === 'Issued').reason, 'RolledBack');
    assert.equal(st.next.reason, 'RolledBack');
    const text = await lab.run('status');
    assert.match(text.stdout, /rollback\s+to /);

    const history = events(lab).slice(-3);
    assert.deepEqual(history.map((e) => e.type), ['rollback', 'deployed', 'verified']);
    assert.deepEqual(JSON.parse(history[0].data!), { from: s3, to: s2, notAfter: JSON.parse(history[0].data!).notAfter });
  });

  it('the next scheduled run keeps the rolled-back certificate; renew --force ends the pause', async () => {
    const served = await servedSerial(lab);
    const run = await lab.run('run', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.certificates[0].renewed, false);
    assert.equal(run.json.certificates[0].reason, 'RolledBack');
    assert.equal(await servedSerial(lab), served);

    const forced = await lab.run('renew', 'web', '--force', '--json');
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await servedSerial(lab), forced.json.certificates[0].issuedSerial);
    assert.equal((await lab.run('status', '--json')).json.certificates[0].rollback, null);
  });

  it('a second rollback rolls forward again', async () => {
    const before = await servedSerial(lab);
    const r = await lab.run('rollback', 'web', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.from, before);
    assert.equal(await servedSerial(lab), r.json.to);
    const back = await lab.run('rollback', 'web', '--json');
    assert.equal(back.code, 0, back.stderr);
    assert.equal(await servedSerial(lab), before);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { emptyRecord, type CertificateRecord } from '../../../src/state/record.js';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { ReadOnlyState } from '../../../src/state/sqlite-readonly.js';
import { summarize } from '../../../src/state/summary.js';
import { freshnessView } from '../../../src/state/freshness-view.js';
import { tempDir } from '../../support/workspace.js';
import { stateStoreContract } from './contract.js';

const dir = tempDir('state-sqlite');
let n = 0;
after(() => fs.rmSync(dir, { recursive: true, force: true }));

stateStoreContract('SqliteStore', async () => {
  const file = path.join(dir, `state-${++n}.db`);
  return async () => new SqliteStore(file);
});

describe('SqliteStore summaries (what plan reads instead of the records)', () => {
  const NOW = new Date('2030-01-02T03:04:05.000Z');
  const record = (name: string): CertificateRecord => ({
    ...emptyRecord(name, NOW),
    issued: {
      serial: '0a1b2c',
      domains: [`${name}.test`],
      notBefore: NOW.toISOString(),
      notAfter: new Date(NOW.getTime() + 90 * 86_400_000).toISOString(),
      fullchainPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      keyPem: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
      issuedAt: NOW.toISOString(),
      directory: 'https://acme.example/dir',
    },
    deployedSerial: '0a1b2c',
  });
  const header = (file: string) => {
    const b = Buffer.alloc(2);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, b, 0, 2, 18);
    fs.closeSync(fd);
    return [...b];
  };

  it('keeps a summary without keys or PEMs beside every record it writes', async () => {
    const file = path.join(dir, `summary-${++n}.db`);
    const store = new SqliteStore(file);
    await store.put(record('web'));
    await store.close();
    const summaries = new ReadOnlyState(file).summaries(['web', 'absent']);
    assert.deepEqual(summaries.get('web'), summarize(record('web')));
    assert.equal(summaries.get('absent'), undefined);
    const raw = new Database(file, { readonly: true }).prepare('SELECT summary FROM summaries').get() as { summary: string };
    assert.doesNotMatch(raw.summary, /PRIVATE KEY|CERTIFICATE/);
  });

  it('drops the summary of a record edited by hand and summarizes the record instead', async () => {
    const file = path.join(dir, `summary-${++n}.db`);
    const store = new SqliteStore(file);
    await store.put(record('web'));
    await store.close();
    const db = new Database(file);
    const edited = { ...record('web'), deployedSerial: 'ffff' };
    db.prepare('UPDATE certificates SET record = ? WHERE name = ?').run(JSON.stringify(edited), 'web');
    assert.equal((db.prepare('SELECT count(*) AS n FROM summaries').get() as { n: number }).n, 0);
    db.close();
    assert.equal(new ReadOnlyState(file).summaries(['web']).get('web')?.deployedSerial, 'ffff');
  });

  it('fills the summaries of a state file written before they existed, once', async () => {
    const file = path.join(dir, `summary-${++n}.db`);
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE certificates (name TEXT PRIMARY KEY, version INTEGER NOT NULL, record TEXT NOT NULL)');
    old.prepare('INSERT INTO certificates VALUES (?, 1, ?)').run('web', JSON.stringify({ ...record('web'), version: 1 }));
    old.close();
    // Read-only before any migration: summarized from the record, nothing written.
    assert.equal(new ReadOnlyState(file).summaries(['web']).get('web')?.issued?.serial, '0a1b2c');
    const store = new SqliteStore(file);
    assert.equal((await store.get('web'))?.issued?.serial, '0a1b2c');
    await store.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), 2);
    assert.deepEqual(JSON.parse((db.prepare('SELECT summary FROM summaries WHERE name = ?').get('web') as { summary: string }).summary), summarize({ ...record('web'), version: 1 }));
    assert.deepEqual(JSON.parse((db.prepare('SELECT view FROM freshness WHERE name = ?').get('web') as { view: string }).view), freshnessView({ ...record('web'), version: 1 }));
    db.close();
  });

  it('keeps a freshness view beside every record, drops it on an edit by hand, and fills it for files from before', async () => {
    const file = path.join(dir, `summary-${++n}.db`);
    const store = new SqliteStore(file);
    const web = record('web');
    web.lastVerification = {
      serial: '0a1b2c',
      at: NOW.toISOString(),
      verified: true,
      configKey: 'k',
      results: [
        { endpoint: 'a:443', address: '10.0.0.1', ok: true, checks: [{ name: 'serial', ok: true, message: 'serves 0a1b2c' }] },
        { endpoint: 'a:443', address: '10.0.0.2', ok: true, checks: [{ name: 'chain-complete', ok: false, message: 'missing' }] },
      ],
    };
    await store.put(web);
    await store.put(record('api'));
    const views = await store.freshnessViews();
    assert.deepEqual([...views.keys()].sort(), ['api', 'web']);
    assert.deepEqual(views.get('web')?.lastVerification, { serial: '0a1b2c', at: NOW.toISOString(), verified: true, configKey: 'k', addresses: 2, passed: false });
    assert.equal(views.get('web')?.issued?.directory, 'https://acme.example/dir');
    await store.close();

    const db = new Database(file);
    db.prepare('UPDATE certificates SET record = ? WHERE name = ?').run(JSON.stringify({ ...web, deployedSerial: 'ffff' }), 'web');
    assert.deepEqual(db.prepare('SELECT name FROM freshness').all(), [{ name: 'api' }], 'an edited record has no stale view');
    // A file from before the freshness table: the next open fills it.
    db.exec('DELETE FROM freshness');
    db.pragma('user_version = 1');
    db.close();
    const again = new SqliteStore(file);
    assert.equal((await again.freshnessViews()).get('web')?.deployedSerial, 'ffff');
    await again.close();
  });

  it('leaves a closed file in rollback-journal mode, so read-only commands read it in place', async () => {
    const file = path.join(dir, `summary-${++n}.db`);
    const a = new SqliteStore(file);
    const b = new SqliteStore(file);
    await a.put(record('web'));
    await a.close();
    // Still open elsewhere: stays in WAL mode and keeps working.
    assert.deepEqual(header(file), [2, 2]);
    const r = (await b.get('web'))!;
    await b.put(r);
    await b.close();
    assert.deepEqual(header(file), [1, 1]);
    assert.equal(fs.existsSync(`${file}-wal`), false);
    const before = fs.readdirSync(path.dirname(file)).sort();
    assert.equal(new ReadOnlyState(file).summaries(['web']).get('web')?.name, 'web');
    assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), before, 'reading created no files');
    // And the next writer goes back to WAL.
    const c = new SqliteStore(file);
    assert.equal((await c.get('web'))?.version, 2);
    assert.deepEqual(header(file), [2, 2]);
    await c.close();
  });
});

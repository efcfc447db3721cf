/**
 * `config check` names the state file problems a run would stop at with STATE_FAILED (issue 16:
 * a folder, a damaged or truncated file passed the check, then the run failed).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { stateFileProblem } from '../../../src/state/file-check.js';
import { tempDir } from '../../support/workspace.js';
import { immutable } from '../../support/faults.js';

const dir = tempDir('state-file-check');
const undo: (() => void)[] = [];
after(() => {
  for (const u of undo) u();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function realState(name: string): Promise<string> {
  const file = path.join(dir, name);
  const store = new SqliteStore(file);
  for (let i = 0; i < 30; i++) await store.setValue(`k${i}`, 'v'.repeat(500));
  await store.close();
  return file;
}

describe('stateFileProblem', () => {
  it('finds nothing wrong with a state file certloop wrote, or one not created yet', async () => {
    assert.equal(stateFileProblem(await realState('ok.db')), undefined);
    assert.equal(stateFileProblem(path.join(dir, 'new', 'deeper', 'certloop.db')), undefined);
  });

  const cases: [string, () => Promise<string>, RegExp][] = [
    ['a folder', async () => (fs.mkdirSync(path.join(dir, 'folder.db')), path.join(dir, 'folder.db')), /is a folder: state: must name a file/],
    ['a file that is not SQLite', async () => (fs.writeFileSync(path.join(dir, 'text.db'), 'x'.repeat(4096)), path.join(dir, 'text.db')), /is not a SQLite database/],
    ['a truncated state file', async () => {
      const f = await realState('cut.db');
      fs.truncateSync(f, fs.statSync(f).size - 1000);
      return f;
    }, /is cut short/],
    ['a state file cut short at a page boundary', async () => {
      const f = await realState('cut-at-page.db');
      fs.truncateSync(f, 8192);
      return f;
    }, /is cut short \(8192 bytes, its header counts \d+ pages of 4096 bytes\)/],
    ['a read-only state file', async () => {
      const f = await realState('ro.db');
      undo.push(immutable(f));
      return f;
    }, /cannot be read and written \(EPERM\)/],
    ['a state file under a path that is a file', async () => (fs.writeFileSync(path.join(dir, 'plain'), ''), path.join(dir, 'plain', 'certloop.db')), /plain is not a folder/],
  ];
  for (const [name, make, expected] of cases) {
    it(`names ${name}`, async () => assert.match(stateFileProblem(await make()) ?? 'nothing', expected));
  }
});

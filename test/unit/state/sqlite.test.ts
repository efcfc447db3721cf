import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { tempDir } from '../../support/lab.js';
import { stateStoreContract } from './contract.js';

const dir = tempDir('state-sqlite');
let n = 0;
after(() => fs.rmSync(dir, { recursive: true, force: true }));

stateStoreContract('SqliteStore', async () => {
  const file = path.join(dir, `state-${++n}.db`);
  return async () => new SqliteStore(file);
});

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { acquireLease, holderIsDead, leaseOwner } from '../../../src/controller/lease.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { tempDir } from '../../support/workspace.js';

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('leases', () => {
  const host = os.hostname();
  const cases: [string, string, boolean][] = [
    ['a process on this host that has exited is dead', `${host}:${deadPid()}:aa`, true],
    ['this very process is alive', leaseOwner('zz'), false],
    ['an earlier process that had our pid is dead', `${host}:${process.pid}:other`, true],
    ['a process on another host is never judged dead', `elsewhere.example:${deadPid()}:aa`, false],
    ['an owner string certloop did not write is left alone', 'something-else', false],
  ];
  for (const [name, holder, dead] of cases) {
    it(name, () => assert.equal(holderIsDead(holder, leaseOwner('zz')), dead));
  }

  it('takes over the lease of a dead process, but never one held by a live process', async () => {
    const store = new SqliteStore(path.join(tempDir('lease'), 'state.db'));
    const log = silentLogger();
    assert.ok(await store.acquireLock('web', `${host}:${deadPid()}:x`, 600_000));
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      assert.ok(await store.acquireLock('api', `${host}:${live.pid}:y`, 600_000));
      const me = leaseOwner('me');
      const web = await acquireLease(store, 'web', me, 600_000, log);
      assert.equal(web?.owner, me);
      assert.equal(await acquireLease(store, 'api', me, 600_000, log), undefined);
      assert.equal((await store.lockHolder('api'))?.owner, `${host}:${live.pid}:y`);
    } finally {
      live.kill();
      await store.close();
    }
  });
});

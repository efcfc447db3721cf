import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../../src/state/memory.js';
import { stateStoreContract } from './contract.js';

// One MemoryStore is the whole state (it lives in one process's memory), so every "handle" the
// contract opens is that same object: what it checks is what two callers in one process see.
stateStoreContract('MemoryStore', async () => {
  const state = new MemoryStore();
  return async () => state;
});

describe('MemoryStore leases', () => {
  it('renewing an earlier lease of the same owner extends the lock that owner holds now', async () => {
    const store = new MemoryStore();
    const first = (await store.acquireLock('web', 'owner-a', 60_000))!;
    await store.acquireLock('web', 'owner-a', 1000); // taken again by its owner, for a second only
    assert.equal(await first.renew(60_000), true);
    const holder = (await store.lockHolder('web'))!;
    assert.ok(holder.expiresAt > Date.now() + 30_000, `the lock ends in ${holder.expiresAt - Date.now()} ms after a 60 s renewal`);
    assert.equal(first.expiresAt, holder.expiresAt, 'the lease says when the lock now ends');
  });
});

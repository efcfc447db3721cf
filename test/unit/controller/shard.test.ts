import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inShard, parseShard, shardOf } from '../../../src/controller/shard.js';
import { CertloopError } from '../../../src/errors.js';

describe('sharding', () => {
  const parsed: [string, string, Record<string, string>, { index: number; count: number }][] = [
    ['an explicit index and count', '2/4', {}, { index: 2, count: 4 }],
    ['one shard holds everything', '0/1', {}, { index: 0, count: 1 }],
    ['auto takes the index Kubernetes gives an Indexed Job pod', 'auto/4', { JOB_COMPLETION_INDEX: '3' }, { index: 3, count: 4 }],
  ];
  for (const [name, spec, env, expected] of parsed) it(`parses ${name}`, () => assert.deepEqual(parseShard(spec, env), expected));

  const refused: [string, string, Record<string, string>, RegExp][] = [
    ['an index past the count (1-based thinking)', '4/4', {}, /INDEX must be between 0 and 3/],
    ['a count of zero', '0/0', {}, /COUNT must be at least 1/],
    ['a malformed spec', 'two-of-four', {}, /expects INDEX\/COUNT/],
    ['auto outside an Indexed Job', 'auto/4', {}, /JOB_COMPLETION_INDEX.*not set/],
    ['auto with more pods than shards', 'auto/2', { JOB_COMPLETION_INDEX: '2' }, /INDEX must be between 0 and 1/],
  ];
  for (const [name, spec, env, pattern] of refused) {
    it(`refuses ${name} as a usage error`, () =>
      assert.throws(() => parseShard(spec, env), (e: unknown) => e instanceof CertloopError && e.code === 'USAGE' && pattern.test(e.message)));
  }

  it('every certificate falls in exactly one shard, and the split is roughly even', () => {
    const names = Array.from({ length: 2000 }, (_, i) => `cert-${i}.example`);
    const count = 4;
    const sizes = new Array(count).fill(0);
    for (const n of names) {
      const owners = Array.from({ length: count }, (_, index) => index).filter((index) => inShard(n, { index, count }));
      assert.equal(owners.length, 1, n);
      sizes[owners[0]]++;
    }
    for (const s of sizes) assert.ok(s > 400 && s < 600, `uneven split: ${sizes.join(', ')}`);
  });

  it('the assignment depends on the name only and is pinned, so a hash change is never accidental', () => {
    // Changing the hash would move almost every certificate between the pods of a running
    // Indexed Job; these values pin sha256(name)'s first 32 bits, mod N.
    assert.equal(shardOf('web', 4), 2);
    assert.equal(shardOf('web', 1_000_003), 470310);
    assert.equal(shardOf('web', 4), shardOf('web', 4));
  });
});

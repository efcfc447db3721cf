/**
 * The ACME directory as the run keeps it (acme/directory.ts): read once, shared, and read again
 * once it expires, so a long run or a daemon notices a CA that adds renewalInfo (RFC 9773).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIRECTORY_TTL_MS, DirectoryCache } from '../../../src/acme/directory.js';
import type { GetResult } from '../../../src/acme/http-get.js';

const URL = 'https://ca.test/dir';
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A CA's directory as answers in turn (the last repeats), with the clock the cache reads. */
function ca(...answers: (Record<string, unknown> | number)[]) {
  let t = T0;
  const gets: string[] = [];
  const get = async (url: string): Promise<GetResult> => {
    const a = answers[Math.min(gets.length, answers.length - 1)];
    gets.push(url);
    return typeof a === 'number' ? { status: a, headers: {}, json: undefined } : { status: 200, headers: {}, json: a };
  };
  const cache = new DirectoryCache({ now: () => new Date(t), get });
  return { cache, gets, passes: (ms: number) => (t += ms) };
}

describe('the ACME directory a run keeps', () => {
  it('is read once while it stands, however many ask at once', async () => {
    const { cache, gets } = ca({ newOrder: 'x' });
    await Promise.all([cache.read(URL), cache.read(URL), cache.read(URL)]);
    await cache.read(URL);
    assert.equal(gets.length, 1);
  });

  it('is read again once it expires, so renewalInfo added by the CA is seen', async () => {
    const { cache, gets, passes } = ca({ newOrder: 'x' }, { newOrder: 'x', renewalInfo: 'https://ca.test/ri' });
    assert.equal((await cache.read(URL)).renewalInfo, undefined);
    passes(DIRECTORY_TTL_MS - 1);
    assert.equal((await cache.read(URL)).renewalInfo, undefined, 'still the first read just before it expires');
    passes(1);
    assert.equal((await cache.read(URL)).renewalInfo, 'https://ca.test/ri');
    assert.equal(gets.length, 2);
  });

  it('is never kept when it cannot be read', async () => {
    const { cache, gets } = ca(503, { newOrder: 'x' });
    await assert.rejects(cache.read(URL), /the ACME directory answered HTTP 503/);
    assert.equal((await cache.read(URL)).newOrder, 'x');
    assert.equal(gets.length, 2);
  });
});

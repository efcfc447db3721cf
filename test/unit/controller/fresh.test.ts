/**
 * `run --recheck due` asks whether the CA offers renewalInfo at most once a day (controller/fresh.ts
 * RenewalInfoOffers, backed by the state store); what it keeps in memory expires with the stored
 * answer, so its owner notices a CA that starts offering renewalInfo.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GetResult } from '../../../src/acme/http-get.js';
import { RenewalInfoClient } from '../../../src/acme/renewal-info.js';
import { RenewalInfoOffers } from '../../../src/controller/fresh.js';
import { MemoryStore } from '../../../src/state/memory.js';

const DIR = 'https://ca.test/dir';
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('whether the CA offers renewalInfo (run --recheck due)', () => {
  it('is asked once a day, and a CA that starts offering it is noticed the next day', async () => {
    let t = T0;
    let offering = false;
    const gets: string[] = [];
    const get = async (url: string): Promise<GetResult> => {
      gets.push(url);
      return { status: 200, headers: {}, json: offering ? { newOrder: 'x', renewalInfo: 'https://ca.test/ri' } : { newOrder: 'x' } };
    };
    const now = () => new Date(t);
    const offers = new RenewalInfoOffers(new MemoryStore(), new RenewalInfoClient({ now, random: () => 0.5, get }));
    assert.equal(await offers.offered(DIR, now()), false);
    offering = true;
    t += DAY - 1;
    assert.equal(await offers.offered(DIR, now()), false, 'the answer stands for a day');
    assert.equal(gets.length, 1);
    t += 1;
    assert.equal(await offers.offered(DIR, now()), true);
    assert.equal(gets.length, 2);
  });

  it('a later run within the day takes the stored answer without asking the CA', async () => {
    const store = new MemoryStore();
    const gets: string[] = [];
    const get = async (url: string): Promise<GetResult> => (gets.push(url), { status: 200, headers: {}, json: { newOrder: 'x' } });
    const client = (t: number) => new RenewalInfoClient({ now: () => new Date(t), random: () => 0.5, get });
    assert.equal(await new RenewalInfoOffers(store, client(T0)).offered(DIR, new Date(T0)), false);
    assert.equal(await new RenewalInfoOffers(store, client(T0 + DAY / 2)).offered(DIR, new Date(T0 + DAY / 2)), false);
    assert.equal(gets.length, 1);
  });
});

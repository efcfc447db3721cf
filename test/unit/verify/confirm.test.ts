/**
 * Stable agreement after a deploy (src/verify/confirm.ts), on a simulated clock: the polls' verdicts
 * are scripted, the time each poll takes and each sleep advance the clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confirmServed, settleOf } from '../../../src/verify/confirm.js';
import type { VerifyOutcome } from '../../../src/verify/verify.js';

function outcome(verified: boolean): VerifyOutcome {
  return { verified, results: [], problems: [], probes: [], summary: verified ? 'all 1 address(es) serve NEW' : '0 of 1 serve NEW; 127.0.0.1 serves OLD' };
}

/** Runs confirmServed over `script` (N = new everywhere, O = old somewhere; the last entry repeats). */
async function run(script: string, o: { budgetMs: number; settleMs: number; pollMs?: number }) {
  let t = 0;
  let i = 0;
  const pollsAt: number[] = [];
  const resets: string[] = [];
  const result = await confirmServed(
    async () => {
      pollsAt.push(t);
      const v = script[Math.min(i++, script.length - 1)] === 'N';
      t += o.pollMs ?? 10;
      return outcome(v);
    },
    { budgetMs: o.budgetMs, settleMs: o.settleMs, now: () => t, sleep: async (ms) => void (t += ms), onReset: (m) => resets.push(m) },
  );
  return { result, pollsAt, resets, elapsed: t };
}

describe('confirming a deploy only after the agreement has held for verify.settle', () => {
  it('without a settle time the first agreeing poll confirms (the behaviour before issue 15)', async () => {
    const { result, pollsAt } = await run('ON', { budgetMs: 15_000, settleMs: 0 });
    assert.equal(result.verified, true);
    assert.equal(pollsAt.length, 2);
  });

  it('with a settle time, agreement must hold from the first agreeing poll to one at least settle later', async () => {
    const { result, pollsAt, resets } = await run('N', { budgetMs: 15_000, settleMs: 3000 });
    assert.equal(result.verified, true);
    assert.ok(pollsAt[pollsAt.length - 1] - pollsAt[0] >= 3000, `polls at ${pollsAt.join(', ')}`);
    assert.ok(pollsAt.length >= 4, `a relapse inside the settle time has several chances to be seen: ${pollsAt.join(', ')}`);
    assert.equal(result.confirmation.resets, 0);
    assert.deepEqual(resets, []);
    assert.match(result.summary, /^all 1 address\(es\) serve NEW, held for 3s \(settle 3s\)$/);
  });

  it('an old serial seen after the new one resets the confirmation, is reported, and the wait starts over', async () => {
    const { result, pollsAt, resets } = await run('NNOON', { budgetMs: 15_000, settleMs: 3000 });
    assert.equal(result.verified, true);
    assert.equal(result.confirmation.resets, 1);
    assert.equal(resets.length, 1);
    assert.match(resets[0], /^confirmation reset: every address had served the new serial, then 0 of 1 serve NEW; 127\.0\.0\.1 serves OLD$/);
    // Confirmed on polls after the relapse only: the last agreement began at the fifth poll.
    assert.ok(pollsAt[pollsAt.length - 1] - pollsAt[4] >= 3000);
    assert.match(result.summary, /confirmation reset 1 time\(s\), last: after \S+ of agreement: 0 of 1 serve NEW/);
  });

  it('an agreement that cannot hold for the settle time within pollFor leaves the deploy unconfirmed (pending)', async () => {
    const { result, elapsed } = await run('OOOOON', { budgetMs: 4000, settleMs: 3000 });
    assert.equal(result.verified, false);
    assert.ok(elapsed <= 4000, `waited ${elapsed} ms with a budget of 4000`);
    assert.match(result.summary, /^all 1 address\(es\) serve NEW, but only for \S+ of the 3s settle time within pollFor$/);
  });

  it('a deploy never served within pollFor stays unconfirmed after about pollFor', async () => {
    const { result, elapsed } = await run('O', { budgetMs: 5000, settleMs: 3000 });
    assert.equal(result.verified, false);
    assert.ok(elapsed <= 5000 && elapsed > 2000, `gave up after ${elapsed} ms`);
    assert.equal(result.summary, '0 of 1 serve NEW; 127.0.0.1 serves OLD');
  });

  const defaults: [string, { settle?: number; pollFor: number }, number][] = [
    ['settle defaults to 3s with the default pollFor', { pollFor: 15_000 }, 3000],
    ['settle defaults to half of a pollFor shorter than 6s', { pollFor: 1000 }, 500],
    ['an explicit settle is kept', { settle: 200, pollFor: 5000 }, 200],
    ['an explicit settle of 0 turns it off', { settle: 0, pollFor: 5000 }, 0],
  ];
  for (const [name, verify, expected] of defaults) it(name, () => assert.equal(settleOf(verify), expected));
});

/**
 * Long waits are chained, never clamped (issue 16): Node's own setTimeout fires after 1 ms for
 * anything above 2^31-1 ms. These check with real timers that a wait above that limit has not
 * fired after a moment, and that an abort ends a wait at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS, setLongInterval, setLongTimeout, sleep } from '../../../src/util/timers.js';
import { waitFor } from '../../support/net.js';

// Proving that nothing happens takes letting time pass: these sleeps are the point of the tests
// that use them (a timer that fires at once, as Node's overflowing setTimeout does, fires in this).
const moment = (ms = 50) => new Promise((r) => setTimeout(r, ms));

describe('timers for waits of any length', () => {
  it('a timeout just past Node\'s limit does not fire after a moment', async () => {
    let fired = false;
    const t = setLongTimeout(() => (fired = true), MAX_TIMER_MS + 1000);
    await moment();
    t.cancel();
    assert.equal(fired, false);
  });

  it('an interval of 30 days does not tick after a moment', async () => {
    let ticks = 0;
    const t = setLongInterval(() => ticks++, 30 * 86_400_000);
    await moment();
    t.cancel();
    assert.equal(ticks, 0);
  });

  it('a short interval ticks repeatedly until cancelled', async () => {
    let ticks = 0;
    const t = setLongInterval(() => ticks++, 5);
    await waitFor(() => ticks >= 3, 5000, 'three ticks');
    t.cancel();
    const seen = ticks;
    await moment(30);
    assert.equal(ticks, seen, 'no tick after cancel');
  });

  it('a sleep ends with the abort reason as soon as its signal aborts', async () => {
    const c = new AbortController();
    const reason = new Error('shutting down');
    const started = Date.now();
    const p = sleep(MAX_TIMER_MS * 3, c.signal);
    setTimeout(() => c.abort(reason), 10);
    await assert.rejects(p, (err) => err === reason);
    assert.ok(Date.now() - started < 1000);
  });

  it('a sleep on an aborted signal rejects at once, and a short one resolves', async () => {
    const c = new AbortController();
    c.abort(new Error('gone'));
    await assert.rejects(sleep(10, c.signal), /gone/);
    await sleep(5);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expiringThresholdMs, isExpiring } from '../../../src/pki/expiry.js';

const DAY = 86_400_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');
const cert = (lifetimeDays: number) => ({ notBefore: new Date(T0).toISOString(), notAfter: new Date(T0 + lifetimeDays * DAY).toISOString() });

describe('expiring: the policy alert, capped at a fifth of the lifetime', () => {
  const cases: [string, ReturnType<typeof cert>, number, number, boolean][] = [
    ['a 90-day certificate with 15 days left is not expiring under a 14-day alert', cert(90), 75, 14, false],
    ['a 90-day certificate with exactly 14 days left is expiring', cert(90), 76, 14, true],
    ['a 90-day certificate with 19 days left is not expiring under a 30-day alert: the cap is 18 days', cert(90), 71, 30, false],
    ['a 6-day certificate with 3 days left is not expiring under a 14-day alert: the cap is 1.2 days', cert(6), 3, 14, false],
    ['a 6-day certificate with a day left is expiring', cert(6), 5, 14, true],
    ['an expired certificate is expiring', cert(90), 91, 14, true],
  ];
  for (const [name, c, dayNow, alertDays, expected] of cases) {
    it(name, () => assert.equal(isExpiring(c, T0 + dayNow * DAY, alertDays * DAY), expected));
  }

  it('an older certificate a stale endpoint serves is judged by the threshold of the one in use', () => {
    // In use: 90 days, 80 left. Served elsewhere: expires in 10 days.
    assert.equal(isExpiring(cert(90), T0 + 10 * DAY, 14 * DAY, T0 + 20 * DAY), true);
    assert.equal(isExpiring(cert(90), T0 + 10 * DAY, 14 * DAY), false);
  });

  it('dates may be ISO text, Date or epoch ms alike', () => {
    const asDates = { notBefore: new Date(T0), notAfter: new Date(T0 + 10 * DAY) };
    assert.equal(expiringThresholdMs(asDates, 14 * DAY), 2 * DAY);
    assert.equal(expiringThresholdMs({ notBefore: T0, notAfter: T0 + 10 * DAY }, 14 * DAY), 2 * DAY);
  });
});

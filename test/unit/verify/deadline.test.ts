import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALERT_CHECKS, CHECK_NAMES } from '../../../src/verify/checks.js';
import { currentVerificationState, PROBLEM_REASON, verificationState, verifyAlerts } from '../../../src/verify/deadline.js';
import { readDoc } from '../../support/docs.js';
import type { VerificationRecord } from '../../../src/state/record.js';

const HOUR = 3_600_000;
const t0 = new Date('2026-03-01T10:00:00Z');
const at = (h: number) => new Date(t0.getTime() + h * HOUR);
const rec = (v: Partial<VerificationRecord>): VerificationRecord => ({ serial: 'AA', at: t0.toISOString(), verified: false, results: [], ...v });

describe('pending, overdue and drift', () => {
  const cases: { name: string; previous?: VerificationRecord; verified: boolean; now: Date; expect: Partial<ReturnType<typeof verificationState>> }[] = [
    {
      name: 'just deployed and not served yet is pending from the deploy time, not overdue',
      verified: false,
      now: at(0.1),
      expect: { notServedSince: t0.toISOString(), deadline: at(1).toISOString(), overdue: false, drift: false, transition: undefined },
    },
    {
      name: 'still not served after the deadline is overdue, announced once',
      previous: rec({ notServedSince: t0.toISOString() }),
      verified: false,
      now: at(1.5),
      expect: { overdue: true, overdueSince: at(1.5).toISOString(), transition: 'overdue' },
    },
    {
      name: 'overdue on a later run keeps its first overdue time and is not announced again',
      previous: rec({ notServedSince: t0.toISOString(), overdueSince: at(1.5).toISOString() }),
      verified: false,
      now: at(3),
      expect: { overdue: true, overdueSince: at(1.5).toISOString(), transition: undefined },
    },
    {
      name: 'served everywhere before and not now is drift at once, whatever the deadline',
      previous: rec({ verified: true }),
      verified: false,
      now: at(500),
      expect: { drift: true, overdue: false, notServedSince: at(500).toISOString(), transition: 'drift' },
    },
    {
      name: 'drift stays drift on the next run without a second event',
      previous: rec({ drift: true, notServedSince: at(500).toISOString() }),
      verified: false,
      now: at(501),
      expect: { drift: true, notServedSince: at(500).toISOString(), transition: undefined },
    },
    {
      name: 'served again after drift is recovered',
      previous: rec({ drift: true, notServedSince: at(500).toISOString() }),
      verified: true,
      now: at(502),
      expect: { drift: false, overdue: false, transition: 'recovered' },
    },
    {
      name: 'the first verification of a serial is announced as verified',
      previous: rec({ serial: 'OLD', verified: true }),
      verified: true,
      now: at(0.2),
      expect: { transition: 'verified' },
    },
    {
      name: 'a verification of a new serial ignores what was recorded for the old one',
      previous: rec({ serial: 'OLD', verified: true }),
      verified: false,
      now: at(0.2),
      expect: { drift: false, overdue: false, notServedSince: t0.toISOString() },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = verificationState({ previous: c.previous, serial: 'AA', verified: c.verified, deployedAt: t0.toISOString(), deadlineMs: HOUR, now: c.now });
      for (const [k, v] of Object.entries(c.expect)) assert.deepEqual((s as unknown as Record<string, unknown>)[k], v, k);
    });
  }

  it('status later computes overdue from what the last run recorded', () => {
    const last = rec({ notServedSince: t0.toISOString() });
    assert.equal(currentVerificationState(last, HOUR, at(0.5))!.overdue, false);
    assert.equal(currentVerificationState(last, HOUR, at(2))!.overdue, true);
  });

  it('alerts name drift, overdue and each served-certificate problem with stable reasons', () => {
    const alerts = verifyAlerts('AA', { drift: false, overdue: true, deadline: at(1).toISOString() }, '1 of 2 serve AA', [
      { check: 'chain-complete', endpoint: 'a.test:443', address: '127.0.0.3', message: 'no intermediate sent' },
    ]);
    assert.deepEqual(alerts.map((a) => a.reason), ['Overdue', 'ChainIncomplete']);
    assert.match(alerts[1].message, /^127\.0\.0\.3 \(a\.test:443\): no intermediate sent$/);
  });
});

describe('alert reasons and checks are documented', () => {
  const verification = readDoc('docs/verification.md');
  const json = readDoc('docs/json-output.md');
  const runJson = json.slice(json.indexOf('`certloop run --json`'), json.indexOf('`certloop status --json`'));
  it('every alert reason is listed where run --json describes alerts', () => {
    for (const reason of ['Drift', 'Overdue', 'NoEndpoints', ...Object.values(PROBLEM_REASON)]) assert.ok(runJson.includes(`\`${reason}\``), reason);
  });
  it('every named check has a row in the Verification table, and every alerting check a reason', () => {
    for (const name of CHECK_NAMES) assert.match(verification, new RegExp(`^\\| ${name} \\|`, 'm'));
    for (const name of ALERT_CHECKS) assert.ok(PROBLEM_REASON[name], name);
  });
});

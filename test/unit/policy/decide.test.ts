import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../../src/policy/decide.js';
import { DEFAULT_POLICY } from '../../../src/policy/defaults.js';
import { jitterFor, renewalTime } from '../../../src/policy/renewal-time.js';
import { nextAttempt } from '../../../src/policy/retry.js';
import type { RenewalPolicy } from '../../../src/policy/types.js';
import type { CertificateRecord } from '../../../src/state/record.js';
import { summarize, type RecordSummary } from '../../../src/state/summary.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

type Ari = { startDay: number; endDay: number; selectedDay: number; serial?: string };

function record(opts: { lifetimeDays?: number; deployed?: boolean; verified?: boolean; failure?: { step: string; retryInMs: number }; pending?: boolean; rejected?: boolean; domains?: string[]; ari?: Ari; revoked?: string } = {}): CertificateRecord {
  const lifetime = (opts.lifetimeDays ?? 90) * DAY;
  const issued = {
    serial: 'AA',
    domains: opts.domains ?? ['a.test'],
    notBefore: new Date(T0).toISOString(),
    notAfter: new Date(T0 + lifetime).toISOString(),
    fullchainPem: '',
    keyPem: '',
    issuedAt: new Date(T0).toISOString(),
    directory: 'https://ca/dir',
  };
  return {
    name: 'web',
    version: 1,
    issued,
    targets: {},
    deployedSerial: opts.deployed === false ? undefined : 'AA',
    lastVerification: opts.verified === false ? undefined : { serial: 'AA', at: '', verified: true, results: [] },
    conditions: {},
    pendingOrder: opts.pending ? { keyPem: '', domains: ['a.test'], startedAt: '', directory: '', reason: 'NoCertificate' } : undefined,
    rejectedSerial: opts.rejected ? 'AA' : undefined,
    lastFailure: opts.failure
      ? { step: opts.failure.step, code: 'X', message: 'boom', at: new Date(T0 + 70 * DAY).toISOString(), attempts: 1, nextAttemptAt: new Date(T0 + 70 * DAY + opts.failure.retryInMs).toISOString() }
      : undefined,
    ari: opts.ari
      ? {
          serial: opts.ari.serial ?? 'AA',
          certId: 'x.y',
          windowStart: new Date(T0 + opts.ari.startDay * DAY).toISOString(),
          windowEnd: new Date(T0 + opts.ari.endDay * DAY).toISOString(),
          selectedAt: new Date(T0 + opts.ari.selectedDay * DAY).toISOString(),
          fetchedAt: '',
          nextFetchAt: '',
        }
      : undefined,
    revocations: opts.revoked ? [{ serial: opts.revoked, reason: 'keyCompromise', at: new Date(T0 + DAY).toISOString(), signedWith: 'certificate-key', directory: 'https://ca/dir' }] : undefined,
    updatedAt: '',
  };
}

const at = (days: number) => new Date(T0 + days * DAY);

describe('decide', () => {
  const cases: [string, Parameters<typeof decide>[0], Date, string, string][] = [
    ['a certificate never issued is issued', { record: undefined, domains: ['a.test'] }, at(0), 'issue', 'NoCertificate'],
    ['an operator force renews even when not due', { record: record(), domains: ['a.test'], force: true }, at(1), 'issue', 'Forced'],
    ['an unfinished order is resumed before anything else', { record: record({ pending: true }), domains: ['a.test'] }, at(1), 'issue', 'OrderInProgress'],
    ['a rejected certificate is replaced', { record: record({ rejected: true, deployed: false }), domains: ['a.test'] }, at(1), 'issue', 'CertificateRejected'],
    ['a change of domains needs a new certificate', { record: record(), domains: ['a.test', 'b.test'] }, at(1), 'issue', 'DomainsChanged'],
    ['an expired certificate is replaced', { record: record(), domains: ['a.test'] }, at(91), 'issue', 'Expired'],
    ['an issued but undeployed certificate is deployed, not re-ordered', { record: record({ deployed: false }), domains: ['a.test'] }, at(1), 'deploy', 'NotDeployed'],
    ['a 90-day certificate is not due with 31 days left', { record: record(), domains: ['a.test'] }, at(59), 'none', 'UpToDate'],
    ['a 90-day certificate is due with 30 days left', { record: record(), domains: ['a.test'] }, at(60), 'issue', 'RenewalDue'],
    ['a 6-day certificate is due at half its lifetime', { record: record({ lifetimeDays: 6 }), domains: ['a.test'] }, at(3), 'issue', 'RenewalDue'],
    ['a 6-day certificate is not due before half its lifetime', { record: record({ lifetimeDays: 6 }), domains: ['a.test'] }, new Date(T0 + 2.9 * DAY), 'none', 'UpToDate'],
    ['a deployed but unverified certificate is verified', { record: record({ verified: false }), domains: ['a.test'] }, at(1), 'verify', 'NotVerified'],
    ['a failed order waits for its retry time', { record: record({ failure: { step: 'issue', retryInMs: 60_000 } }), domains: ['a.test'] }, at(70), 'wait', 'RetryScheduled'],
    ['a failed order is retried once its time has come', { record: record({ failure: { step: 'issue', retryInMs: -1 } }), domains: ['a.test'] }, at(70), 'issue', 'RenewalDue'],
    ['a failed deploy does not delay the next deploy attempt', { record: record({ deployed: false, failure: { step: 'deploy', retryInMs: 60_000 } }), domains: ['a.test'] }, at(70), 'deploy', 'NotDeployed'],
    ['an ARI window later than the lifetime rule holds renewal back', { record: record({ ari: { startDay: 65, endDay: 67, selectedDay: 66 } }), domains: ['a.test'] }, at(62), 'none', 'UpToDate'],
    ['the time picked inside the ARI window triggers renewal', { record: record({ ari: { startDay: 65, endDay: 67, selectedDay: 66 } }), domains: ['a.test'] }, at(66), 'issue', 'RenewalDue'],
    ['an ARI window in the past (mass revocation) renews at once', { record: record({ ari: { startDay: 1, endDay: 2, selectedDay: 1.5 } }), domains: ['a.test'] }, at(3), 'issue', 'RenewalDue'],
    ['an ARI window for an older serial is ignored', { record: record({ ari: { startDay: 1, endDay: 2, selectedDay: 1.5, serial: 'OLD' } }), domains: ['a.test'] }, at(3), 'none', 'UpToDate'],
    ['the emergency floor overrides a late ARI window', { record: record({ ari: { startDay: 88, endDay: 89, selectedDay: 88.5 } }), domains: ['a.test'] }, at(86), 'issue', 'RenewalDue'],
    ['a revoked certificate in use is replaced at once, long before renewal is due', { record: record({ revoked: 'AA' }), domains: ['a.test'] }, at(2), 'issue', 'Revoked'],
    ['the operator forcing a renewal of a revoked certificate is still the operator\'s word', { record: record({ revoked: 'AA' }), domains: ['a.test'], force: true }, at(2), 'issue', 'Forced'],
    ['a revoked certificate whose replacement order was cut short resumes that order (its key is already new)', { record: record({ revoked: 'AA', pending: true }), domains: ['a.test'] }, at(2), 'issue', 'OrderInProgress'],
    ['a failed replacement of a revoked certificate waits for its retry time', { record: record({ revoked: 'AA', failure: { step: 'issue', retryInMs: 60_000 } }), domains: ['a.test'] }, at(70), 'wait', 'RetryScheduled'],
    ['an older revoked serial does not touch the current certificate', { record: record({ revoked: 'OLD' }), domains: ['a.test'] }, at(2), 'none', 'UpToDate'],
    ['a force does not wait for a failed order\'s retry time', { record: record({ failure: { step: 'issue', retryInMs: 60_000 } }), domains: ['a.test'], force: true }, at(70), 'issue', 'Forced'],
  ];
  for (const [name, input, now, action, reason] of cases) {
    it(name, () => {
      const d = decide(input, DEFAULT_POLICY, now);
      assert.equal(d.action, action, d.message);
      assert.equal(d.reason, reason);
    });
  }

  const domainCases: [string, string[], string[], boolean][] = [
    ['the same names in the same order are no change', ['a.test', 'b.test'], ['a.test', 'b.test'], false],
    ['the same names in another order are no change', ['a.test', 'b.test'], ['b.test', 'a.test'], false],
    ['a name added is a change', ['a.test'], ['a.test', 'b.test'], true],
    // A config cannot list a name twice (config/schema.ts); compared as sets, as everywhere (pki/domains.ts).
    ['a name listed twice in both is no change (the same names)', ['a.test', 'a.test'], ['a.test', 'a.test'], false],
    ['a repeated name does not stand in for a missing one', ['a.test', 'a.test'], ['a.test', 'b.test'], true],
    ['a name the certificate holds twice is no change when the distinct names match', ['a.test', 'b.test', 'a.test'], ['a.test', 'b.test'], false],
  ];
  for (const [name, issued, configured, changed] of domainCases) {
    it(name, () => {
      const r = record();
      r.issued!.domains = issued;
      assert.equal(decide({ record: r, domains: configured }, DEFAULT_POLICY, at(1)).reason === 'DomainsChanged', changed);
    });
  }

  // `plan` decides on the summaries the SQLite store keeps beside the records (src/state/summary.ts).
  for (const [name, input, now] of cases) {
    it(`decides the same on the stored summary: ${name}`, () => {
      const summary = input.record && (JSON.parse(JSON.stringify(summarize(input.record as CertificateRecord))) as RecordSummary);
      assert.deepEqual(decide({ ...input, record: summary }, DEFAULT_POLICY, now), decide(input, DEFAULT_POLICY, now));
    });
  }

  const sources: [string, Parameters<typeof decide>[0], Date, string | undefined][] = [
    ['renewal by lifetime fraction says so', { record: record(), domains: ['a.test'] }, at(60), 'fraction'],
    ['renewal inside the ARI window says so', { record: record({ ari: { startDay: 50, endDay: 52, selectedDay: 51 } }), domains: ['a.test'] }, at(51), 'ari'],
    ['renewal at the emergency floor says so', { record: record({ ari: { startDay: 88, endDay: 89, selectedDay: 88.5 } }), domains: ['a.test'] }, at(86), 'emergency'],
    ['a waiting retry says so', { record: record({ failure: { step: 'issue', retryInMs: 60_000 } }), domains: ['a.test'] }, at(70), 'retry'],
    ['a forced renewal says so', { record: record(), domains: ['a.test'], force: true }, at(1), 'forced'],
  ];
  for (const [name, input, now, source] of sources) {
    it(`the source of ${name}`, () => assert.equal(decide(input, DEFAULT_POLICY, now).source, source));
  }

  it('a failed deploy waits when the policy gives deploys a backoff', () => {
    const policy: RenewalPolicy = { ...DEFAULT_POLICY, retrySchedulesMs: { ...DEFAULT_POLICY.retrySchedulesMs, deploy: [600_000] } };
    const d = decide({ record: record({ deployed: false, failure: { step: 'reload', retryInMs: 60_000 } }), domains: ['a.test'] }, policy, at(70));
    assert.equal(d.action, 'wait');
    assert.equal(d.reason, 'RetryScheduled');
  });

  it('a policy with remainingDays renews that many days before expiry', () => {
    const policy: RenewalPolicy = { ...DEFAULT_POLICY, remainingDays: 20 };
    assert.equal(decide({ record: record(), domains: ['a.test'] }, policy, at(69)).action, 'none');
    const d = decide({ record: record(), domains: ['a.test'] }, policy, at(70));
    assert.equal(d.action, 'issue');
    assert.equal(d.source, 'days');
  });

  it('is a pure function of its inputs and now', () => {
    const input = { record: record(), domains: ['a.test'] };
    assert.deepEqual(decide(input, DEFAULT_POLICY, at(10)), decide(input, DEFAULT_POLICY, at(10)));
  });
});

describe('renewalTime', () => {
  const cert = (days: number, serial = 'AA') => ({ serial, notBefore: at(0).toISOString(), notAfter: at(days).toISOString() });
  const ari = (start: number, end: number, selected: number, serial = 'AA') => ({
    serial,
    windowStart: at(start).toISOString(),
    windowEnd: at(end).toISOString(),
    selectedAt: at(selected).toISOString(),
  });
  const cases: [string, ReturnType<typeof cert>, Partial<RenewalPolicy>, ReturnType<typeof ari> | undefined, number, string][] = [
    ['is at a third of the lifetime remaining for 90-day certificates', cert(90), {}, undefined, 60, 'fraction'],
    ['is at half the lifetime for 6-day certificates', cert(6), {}, undefined, 3, 'fraction'],
    ['is the time picked inside the ARI window when there is one', cert(90), {}, ari(70, 72, 71), 71, 'ari'],
    ['ignores ARI when the policy turns it off', cert(90), { ari: false }, ari(70, 72, 71), 60, 'fraction'],
    ['is 30 days before expiry with remainingDays 30', cert(90), { remainingDays: 30, ari: false }, undefined, 60, 'days'],
    ['falls back to the fraction when the lifetime is shorter than remainingDays', cert(6), { remainingDays: 30 }, undefined, 3, 'fraction'],
    ['is the emergency floor when ARI suggests later than 1/20 of the lifetime remaining', cert(100), {}, ari(97, 99, 98), 95, 'emergency'],
  ];
  for (const [name, c, overrides, window, day, source] of cases) {
    it(name, () => {
      const t = renewalTime(c, { ...DEFAULT_POLICY, ...overrides }, window, at(0));
      assert.equal(t.source, source, t.reason);
      assert.equal(t.at.toISOString(), at(day).toISOString());
    });
  }

  it('moves lifetime-rule renewals earlier by a jitter that is stable per serial and within bounds', () => {
    const policy = { ...DEFAULT_POLICY, jitterMs: DAY };
    const a = renewalTime(cert(90, 'AA'), policy, undefined, at(0)).at.getTime();
    const b = renewalTime(cert(90, 'BB'), policy, undefined, at(0)).at.getTime();
    assert.equal(a, renewalTime(cert(90, 'AA'), policy, undefined, at(5)).at.getTime(), 'same serial, same time');
    assert.notEqual(a, b, 'different serials spread');
    for (const t of [a, b]) assert.ok(t <= at(60).getTime() && t > at(59).getTime());
    assert.equal(jitterFor('AA', 0), 0);
  });
});

describe('nextAttempt', () => {
  const now = new Date(T0);
  it('follows 1 min, 10 min, 100 min, then daily', () => {
    const waits = [1, 2, 3, 4, 9].map((n) => nextAttempt(DEFAULT_POLICY, n, now).getTime() - T0);
    assert.deepEqual(waits, [60_000, 600_000, 6_000_000, DAY, DAY]);
  });
  it('honours a longer Retry-After from the CA', () => {
    assert.equal(nextAttempt(DEFAULT_POLICY, 1, now, 3600).getTime() - T0, 3_600_000);
  });
  it('uses the schedule of the step that failed', () => {
    const policy: RenewalPolicy = { ...DEFAULT_POLICY, retrySchedulesMs: { issue: [1000], deploy: [5000, 7000], verify: [0] } };
    assert.equal(nextAttempt(policy, 2, now, undefined, 'deploy').getTime() - T0, 7000);
    assert.equal(nextAttempt(policy, 1, now, undefined, 'verify').getTime() - T0, 0);
  });
});

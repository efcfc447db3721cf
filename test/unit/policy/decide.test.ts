import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, DEFAULT_POLICY, nextAttempt, renewalTime } from '../../../src/policy/decide.js';
import type { CertificateRecord } from '../../../src/state/record.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function record(opts: { lifetimeDays?: number; deployed?: boolean; verified?: boolean; failure?: { step: string; retryInMs: number }; pending?: boolean; rejected?: boolean; domains?: string[] } = {}): CertificateRecord {
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
      ? { step: opts.failure.step, code: 'X', message: 'boom', at: '', attempts: 1, nextAttemptAt: new Date(T0 + 70 * DAY + opts.failure.retryInMs).toISOString() }
      : undefined,
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
  ];
  for (const [name, input, now, action, reason] of cases) {
    it(name, () => {
      const d = decide(input, DEFAULT_POLICY, now);
      assert.equal(d.action, action, d.message);
      assert.equal(d.reason, reason);
    });
  }

  it('is a pure function of its inputs and now', () => {
    const input = { record: record(), domains: ['a.test'] };
    assert.deepEqual(decide(input, DEFAULT_POLICY, at(10)), decide(input, DEFAULT_POLICY, at(10)));
  });
});

describe('renewalTime', () => {
  it('is at a third of the lifetime remaining for 90-day certificates', () => {
    const t = renewalTime(record().issued!, DEFAULT_POLICY, at(0));
    assert.equal(t.at.toISOString(), at(60).toISOString());
    assert.equal(t.source, 'fraction');
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
});

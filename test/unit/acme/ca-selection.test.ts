import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { caEndpoints, caProblemOf, chooseCa, resolveCaSpec, type CaFailureState } from '../../../src/acme/ca-selection.js';
import { CertloopError } from '../../../src/errors.js';

const P = 'https://primary.example/dir';
const F1 = 'https://one.example/dir';
const F2 = 'https://two.example/dir';
const endpoints = caEndpoints({
  directory: P,
  email: 'ops@example.com',
  fallback: [{ directory: F1, eab: { kid: 'k', hmacKey: 'h' } }, { directory: F2, email: 'pki@example.com' }],
});
const NOW = new Date('2026-03-01T00:00:00Z');
const DEADLINE = new Date('2026-03-20T00:00:00Z');

function failed(count: number, opts: { retryAfterUntil?: string; at?: string } = {}): CaFailureState {
  return { count, problem: 'unreachable', message: 'ECONNREFUSED', at: opts.at ?? NOW.toISOString(), retryAfterUntil: opts.retryAfterUntil };
}

describe('choosing the CA for an attempt', () => {
  it('fallbacks inherit the primary account contact unless they set their own', () => {
    assert.deepEqual(endpoints.map((e) => [e.label, e.email]), [['primary', 'ops@example.com'], ['fallback 1', 'ops@example.com'], ['fallback 2', 'pki@example.com']]);
  });

  const cases: [string, Record<string, CaFailureState>, number, string][] = [
    ['with no failures the primary is used', {}, 2, P],
    ['one failure of the primary is retried at the primary', { [P]: failed(1) }, 2, P],
    ['a primary that failed failoverAfter times in a row is passed over', { [P]: failed(2) }, 2, F1],
    ['failoverAfter 1 switches after the first failure', { [P]: failed(1) }, 1, F1],
    ['a primary rate limited past the deadline is passed over at once', { [P]: failed(1, { retryAfterUntil: '2026-04-01T00:00:00Z' }) }, 2, F1],
    ['a primary rate limited until before the deadline is waited for', { [P]: failed(1, { retryAfterUntil: '2026-03-02T00:00:00Z' }) }, 2, P],
    ['when the first fallback also keeps failing the second is used', { [P]: failed(2), [F1]: failed(2) }, 2, F2],
    ['when every CA keeps failing the one that failed longest ago gets its turn', { [P]: failed(3, { at: '2026-02-28T10:00:00Z' }), [F1]: failed(2, { at: '2026-02-28T09:00:00Z' }), [F2]: failed(2, { at: '2026-02-28T11:00:00Z' }) }, 2, F1],
  ];
  for (const [name, failures, failoverAfter, expected] of cases) {
    it(name, () => {
      const choice = chooseCa(endpoints, failures, DEADLINE, failoverAfter);
      assert.equal(choice.ca.directory, expected, choice.reason);
    });
  }

  it('says why it passed the primary over', () => {
    const choice = chooseCa(endpoints, { [P]: failed(2) }, DEADLINE, 2);
    assert.match(choice.reason, /primary https:\/\/primary\.example\/dir failed 2 time\(s\) in a row \(unreachable: ECONNREFUSED\)/);
  });
});

describe('which failures are the CA\'s fault', () => {
  const withStatus = (status: number) => new CertloopError('ACME_ORDER', 'x', { cause: { response: { status } } });
  const cases: [string, unknown, string | undefined][] = [
    ['an unreachable directory', new CertloopError('ACME_UNREACHABLE', 'ECONNREFUSED'), 'unreachable'],
    ['HTTP 503 from the CA', withStatus(503), 'server-error'],
    ['HTTP 429 from the CA', withStatus(429), 'rate-limited'],
    ['HTTP 403 (our account or request) is not', withStatus(403), undefined],
    ['a failed challenge is not: another CA would fail it too', new CertloopError('CHALLENGE_FAILED', 'x', { cause: { response: { status: 500 } } }), undefined],
    ['an untyped error is not', new Error('boom'), undefined],
  ];
  for (const [name, err, expected] of cases) it(name, () => assert.equal(caProblemOf(err), expected));
});

describe('--ca', () => {
  const cases: [string, string][] = [
    ['primary', P],
    ['fallback', F1],
    ['fallback-2', F2],
    [F2, F2],
    [`${F1}/`, F1],
  ];
  for (const [spec, expected] of cases) it(`${spec} names ${expected}`, () => assert.equal(resolveCaSpec(spec, endpoints).directory, expected));
  for (const spec of ['fallback-3', 'fallback-0', 'https://unknown.example/dir']) {
    it(`${spec} is a usage error listing the choices`, () => {
      assert.throws(() => resolveCaSpec(spec, endpoints), (e: CertloopError) => e.code === 'USAGE' && /choose one of primary, fallback-1, fallback-2/.test(e.message));
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertificateConfig } from '../../../src/config/schema.js';
import { withBaseDir } from '../../../src/config/fields.js';
import { DEFAULT_POLICY } from '../../../src/policy/defaults.js';
import { freshness, type Wanted } from '../../../src/policy/freshness.js';
import type { RenewalPolicy } from '../../../src/policy/types.js';
import type { CertificateRecord } from '../../../src/state/record.js';
import { verifyConfigKey } from '../../../src/verify/freshness.js';
import { freshnessView } from '../../../src/state/freshness-view.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const now = new Date('2026-11-26T12:00:00Z');
const cert = withBaseDir('/etc/certloop', () =>
  CertificateConfig.parse({
    name: 'web',
    domains: ['a.test'],
    challenge: { type: 'http-01', listen: '127.0.0.1:80' },
    targets: [{ type: 'file', cert: './live/web/fullchain.pem', key: './live/web/privkey.pem' }],
    verify: { endpoints: [{ host: 'a.test', port: 443 }] },
  }),
);
/** What the config asks for: its names and the key of its verify settings. */
const wanted: Wanted = { domains: cert.domains, configKey: verifyConfigKey(cert.verify) };

/** Issued 10 days ago for 90 days, deployed, every check passed 10 minutes ago. */
function quiet(): CertificateRecord {
  const checked = new Date(now.getTime() - 10 * 60_000).toISOString();
  return {
    name: 'web',
    version: 7,
    issued: {
      serial: 'AB',
      domains: ['a.test'],
      notBefore: new Date(now.getTime() - 10 * DAY).toISOString(),
      notAfter: new Date(now.getTime() + 80 * DAY).toISOString(),
      fullchainPem: '',
      keyPem: '',
      issuedAt: new Date(now.getTime() - 10 * DAY).toISOString(),
      directory: 'https://ca.test/dir',
    },
    targets: {},
    deployedSerial: 'AB',
    deployedAt: new Date(now.getTime() - 10 * DAY).toISOString(),
    lastVerification: {
      serial: 'AB',
      at: checked,
      verified: true,
      configKey: verifyConfigKey(cert.verify),
      results: [{ endpoint: 'a.test:443', address: '10.0.0.1', ok: true, served: 'AB', checks: [{ name: 'serial', ok: true, message: 'serves AB' }] }],
    },
    conditions: {},
    updatedAt: checked,
  };
}

const policy: RenewalPolicy = { ...DEFAULT_POLICY, recheckIntervalMs: HOUR };

describe('freshness (run --recheck due)', () => {
  it('a quiet certificate checked within the interval is fresh until the interval ends', () => {
    const f = freshness(freshnessView(quiet()), wanted, policy, now);
    assert.ok(typeof f !== 'string', String(f));
    assert.equal(f.recheckAt.getTime() - f.checkedAt.getTime(), HOUR);
    assert.equal(f.decision.action, 'none');
  });

  const cases: [string, (r: CertificateRecord) => void, RenewalPolicy?, Date?][] = [
    ['the policy re-checks on every run', () => {}, { ...policy, recheckIntervalMs: 0 }],
    ['the recheck interval has passed', () => {}, undefined, new Date(now.getTime() + HOUR)],
    ['a check in the future (a clock that went back) does not count', () => {}, undefined, new Date(now.getTime() - HOUR)],
    ['nothing deployed yet', (r) => delete r.deployedSerial],
    ['an issued certificate not deployed everywhere', (r) => (r.issued!.serial = 'CD')],
    ['an earlier failure', (r) => (r.lastFailure = { step: 'deploy', code: 'RELOAD_FAILED', message: 'x', at: now.toISOString(), attempts: 1 })],
    ['an unfinished order', (r) => (r.pendingOrder = { keyPem: '', domains: ['a.test'], startedAt: now.toISOString(), directory: 'https://ca.test/dir', reason: 'Renewal' })],
    ['the last check was of another serial', (r) => (r.lastVerification!.serial = 'EF')],
    ['the last check did not verify', (r) => (r.lastVerification!.verified = false)],
    ['the last check found drift', (r) => (r.lastVerification!.drift = true)],
    ['the deployment is overdue', (r) => (r.lastVerification!.overdueSince = now.toISOString())],
    ['the endpoints changed since the check', (r) => (r.lastVerification!.configKey = 'other')],
    ['a check recorded before config keys existed', (r) => delete r.lastVerification!.configKey],
    ['no endpoint was checked', (r) => (r.lastVerification!.results = [])],
    ['a named check failed last time', (r) => r.lastVerification!.results[0].checks!.push({ name: 'chain-complete', ok: false, message: 'missing intermediate' })],
    ['the certificate is inside its expiring-alert threshold', (r) => (r.issued!.notAfter = new Date(now.getTime() + 3 * DAY).toISOString())],
    [
      'renewal is due (a fifth of the lifetime left, not yet expiring)',
      (r) => {
        r.issued!.notBefore = new Date(now.getTime() - 80 * DAY).toISOString();
        r.issued!.notAfter = new Date(now.getTime() + 20 * DAY).toISOString();
      },
    ],
    ['the domains changed', (r) => (r.issued!.domains = ['old.test'])],
  ];
  for (const [name, change, p, at] of cases) {
    it(`not fresh when ${name}`, () => {
      const r = quiet();
      change(r);
      assert.equal(typeof freshness(freshnessView(r), wanted, p ?? policy, at ?? now), 'string');
    });
  }

});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICY } from '../../../src/policy/defaults.js';
import type { RenewalPolicy } from '../../../src/policy/types.js';
import { forecast, recoveryTime, type ForecastCertificateInput } from '../../../src/policy/forecast.js';
import { forecastSvg } from '../../../src/policy/forecast-svg.js';
import { loadPolicySet } from '../../../src/policy/load.js';
import type { CertificateRecord } from '../../../src/state/record.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const policies = loadPolicySet().policies;

function cert(lifetimeDays: number, policy: RenewalPolicy = DEFAULT_POLICY, name = 'web'): ForecastCertificateInput {
  const record: CertificateRecord = {
    name,
    version: 1,
    targets: {},
    conditions: {},
    updatedAt: '',
    issued: {
      serial: 'AA',
      domains: ['a.test'],
      notBefore: new Date(T0).toISOString(),
      notAfter: new Date(T0 + lifetimeDays * DAY).toISOString(),
      fullchainPem: '',
      keyPem: '',
      issuedAt: '',
      directory: '',
    },
    deployedSerial: 'AA',
  };
  return { name, domains: ['a.test'], policy, record };
}

const run = (c: ForecastCertificateInput, days: number, everyDays: number) => forecast([c], { from: new Date(T0), days, everyMs: everyDays * DAY }).certificates[0];
const kinds = (f: ReturnType<typeof run>) => f.risks.map((r) => r.kind);

describe('forecast', () => {
  it('renews a 90-day certificate every 60 days by the lifetime fraction, with no risk', () => {
    const f = run(cert(90), 200, 1);
    assert.deepEqual(f.renewals.map((r) => (Date.parse(r.at) - T0) / DAY), [60, 120, 180]);
    assert.ok(f.renewals.every((r) => r.source === 'fraction'));
    assert.deepEqual(f.risks, []);
    assert.equal(f.validity.length, 4);
    assert.equal(f.validity.filter((v) => v.simulated).length, 3);
  });

  it('alerts once per certificate that gets within the alert threshold unrenewed', () => {
    const late = { ...DEFAULT_POLICY, remainingDays: 10, ari: false };
    const f = run(cert(90, late), 85, 1);
    assert.deepEqual(f.alerts.map((a) => (Date.parse(a.at) - T0) / DAY), [76]);
  });

  it('flags a certificate that expires before the next scheduled run', () => {
    assert.ok(kinds(run(cert(6, policies.get('short-lived')), 10, 7)).includes('expires-before-next-run'));
  });

  it('flags a renewal window too short to recover from one failed day', () => {
    assert.ok(kinds(run(cert(6), 10, 2)).includes('window-too-short-for-retries'));
    assert.ok(!kinds(run(cert(6), 10, 1)).includes('window-too-short-for-retries'), 'daily runs leave 3 days for a 1-day outage');
  });

  it('flags a verify deadline longer than the life left at renewal (Front Door with 6-day certificates)', () => {
    assert.ok(kinds(run(cert(6, policies.get('azure-front-door')), 10, 1)).includes('verify-deadline-exceeds-remaining-life'));
    assert.ok(!kinds(run(cert(90, policies.get('azure-front-door')), 100, 1)).includes('verify-deadline-exceeds-remaining-life'));
  });

  it('assumes a 90-day lifetime for a certificate never issued, and says so', () => {
    const f = run({ name: 'new', domains: ['a.test'], policy: DEFAULT_POLICY, record: undefined }, 100, 1);
    assert.equal(f.renewals[0].at, new Date(T0).toISOString());
    assert.deepEqual(kinds(f), ['assumed-lifetime']);
    assert.equal((Date.parse(f.renewals[1].at) - T0) / DAY, 60);
  });

  it('counts recovery from one failed day in runs', () => {
    assert.equal(recoveryTime(DEFAULT_POLICY, DAY), 2 * DAY);
    // Hourly runs: retries at 1 h, 2 h, 4 h (100 min rounds up to 2 runs), then a day later; plus one run.
    assert.equal(recoveryTime(DEFAULT_POLICY, 3_600_000), 29 * 3_600_000);
  });
});

describe('forecast SVG', () => {
  it('draws one row per certificate with validity bars, renewal and alert points, and no external references', () => {
    const f = forecast([cert(90), cert(6, policies.get('azure-front-door'), 'edge')], { from: new Date(T0), days: 120, everyMs: DAY });
    const svg = forecastSvg(f);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/<g class="certificate"/g)?.length, 2);
    const renewals = f.certificates.reduce((n, c) => n + c.renewals.length, 0);
    assert.equal(svg.match(/class="renewal"/g)?.length, renewals);
    assert.ok((svg.match(/class="validity"/g)?.length ?? 0) >= 2);
    assert.ok(svg.includes('class="risk"'), 'the Front Door row shows its risk');
    assert.doesNotMatch(svg, /<script|href=|url\(/);
    assert.doesNotMatch(svg.replace(/<[^>]+>/g, ''), /[<>]/, 'text is escaped');
  });
});

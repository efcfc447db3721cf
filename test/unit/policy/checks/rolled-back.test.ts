import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../../../src/policy/decide.js';
import { DEFAULT_POLICY } from '../../../../src/policy/defaults.js';
import { emergencyTime } from '../../../../src/policy/emergency.js';
import type { CertificateRecord, IssuedCertificate } from '../../../../src/state/record.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(T0 + days * DAY);

function cert(serial: string, fromDay: number, days = 90): IssuedCertificate {
  return { serial, domains: ['a.test'], notBefore: at(fromDay).toISOString(), notAfter: at(fromDay + days).toISOString(), fullchainPem: '', keyPem: '', issuedAt: at(fromDay).toISOString(), directory: 'https://ca/dir' };
}

/** After a rollback from BB (issued day 60) to AA (issued day 0, 90-day lifetime). */
function rolledBack(opts: { verified?: boolean; rollbackSerial?: string } = {}): CertificateRecord {
  return {
    name: 'web',
    version: 3,
    issued: cert('AA', 0),
    previous: cert('BB', 60),
    targets: {},
    deployedSerial: 'AA',
    lastVerification: { serial: 'AA', at: '', verified: opts.verified ?? true, results: [] },
    conditions: {},
    rollback: { serial: opts.rollbackSerial ?? 'AA', from: 'BB', at: at(61).toISOString() },
    updatedAt: '',
  };
}

describe('the rollback hold', () => {
  it('the emergency window is the last 1/20 of the lifetime by default', () => {
    assert.equal(DEFAULT_POLICY.emergencyFraction, 1 / 20);
    assert.equal(emergencyTime(cert('AA', 0), DEFAULT_POLICY).toISOString(), new Date(at(90).getTime() - 4.5 * DAY).toISOString());
  });

  const cases: [string, CertificateRecord, Date, boolean, string, string][] = [
    ['a rolled-back certificate past its renewal time is not renewed', rolledBack(), at(70), false, 'none', 'RolledBack'],
    ['a rolled-back certificate not yet confirmed is verified, not renewed', rolledBack({ verified: false }), at(70), false, 'verify', 'RolledBack'],
    ['inside the emergency window the hold ends and renewal is due', rolledBack(), at(86), false, 'issue', 'RenewalDue'],
    ['renew --force ends the hold', rolledBack(), at(70), true, 'issue', 'Forced'],
    ['a hold for another serial does not apply', rolledBack({ rollbackSerial: 'CC' }), at(70), false, 'issue', 'RenewalDue'],
  ];
  for (const [name, rec, now, force, action, reason] of cases) {
    it(name, () => {
      const d = decide({ record: rec, domains: ['a.test'], force }, DEFAULT_POLICY, now);
      assert.equal(d.action, action, d.message);
      assert.equal(d.reason, reason);
    });
  }

  it('says until when and how to end it', () => {
    const d = decide({ record: rolledBack(), domains: ['a.test'] }, DEFAULT_POLICY, at(70));
    assert.match(d.message, /rolled back to AA \(replacing BB\).*paused until 2026-03-27T12:00:00\.000Z or `certloop renew web --force`/);
  });
});

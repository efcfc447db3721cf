import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rollbackRefusal } from '../../../src/controller/rollback.js';
import type { CertificateConfig } from '../../../src/config/schema.js';
import { DEFAULT_POLICY } from '../../../src/policy/defaults.js';
import type { CertificateRecord, IssuedCertificate } from '../../../src/state/record.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(T0 + days * DAY);
const ctx = { config: { name: 'web', domains: ['a.test'] } as CertificateConfig, policy: DEFAULT_POLICY };

function cert(serial: string, fromDay: number, days = 90): IssuedCertificate {
  // No PEM: every case here is refused before the pre-deploy checks look at it, except the last.
  return { serial, domains: ['a.test'], notBefore: at(fromDay).toISOString(), notAfter: at(fromDay + days).toISOString(), fullchainPem: '', keyPem: '', issuedAt: '', directory: 'https://ca/dir' };
}

function rec(p: Partial<CertificateRecord>): CertificateRecord {
  return { name: 'web', version: 1, targets: {}, conditions: {}, updatedAt: '', ...p };
}

describe('when a rollback is refused', () => {
  const cases: [string, CertificateRecord | undefined, Date, RegExp][] = [
    ['nothing was ever deployed', undefined, at(1), /nothing has been deployed for web yet/],
    ['only one certificate was ever deployed', rec({ issued: cert('BB', 0), deployedSerial: 'BB' }), at(1), /no previous certificate is kept/],
    ['the previous certificate has expired', rec({ issued: cert('BB', 60), previous: cert('AA', 0), deployedSerial: 'BB' }), at(91), /AA expired at 2026-04-01T00:00:00\.000Z; renew instead: certloop renew web --force/],
    ['the previous certificate is inside its emergency window', rec({ issued: cert('BB', 60), previous: cert('AA', 0), deployedSerial: 'BB' }), at(86), /inside its emergency window \(since 2026-03-27T12:00:00\.000Z\)/],
    ['the previous certificate fails the pre-deploy checks', rec({ issued: cert('BB', 60), previous: cert('AA', 0), deployedSerial: 'BB' }), at(70), /AA fails the pre-deploy checks: no PEM certificate/],
  ];
  for (const [name, record, now, expected] of cases) {
    it(`${name}`, () => {
      assert.match(rollbackRefusal(record, ctx, now) ?? 'not refused', expected);
    });
  }
});

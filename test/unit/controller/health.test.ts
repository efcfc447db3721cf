import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expiringSoon } from '../../../src/controller/health.js';
import { emptyRecord, type CertificateRecord } from '../../../src/state/record.js';

const DAY = 86_400_000;
const start = Date.parse('2030-01-01T00:00:00Z');

function deployed(lifetimeDays: number, servedNotAfter?: number): CertificateRecord {
  const r = emptyRecord('web', new Date(start));
  r.issued = {
    serial: 'AB',
    domains: ['a.test'],
    notBefore: new Date(start).toISOString(),
    notAfter: new Date(start + lifetimeDays * DAY).toISOString(),
    fullchainPem: '',
    keyPem: '',
    issuedAt: new Date(start).toISOString(),
    directory: 'https://ca.test/dir',
  };
  r.deployedSerial = 'AB';
  if (servedNotAfter !== undefined) {
    r.lastVerification = { serial: 'AB', at: new Date(start).toISOString(), verified: false, results: [{ endpoint: 'x:443', address: '10.0.0.1', ok: false, served: 'CD', notAfter: new Date(servedNotAfter).toISOString() }] };
  }
  return r;
}

describe('expiring soon', () => {
  const cases: [string, CertificateRecord, number, boolean][] = [
    ['a 90-day certificate with 30 days left is fine (renewal just started)', deployed(90), start + 60 * DAY, false],
    ['a 90-day certificate with 14 days left is expiring soon', deployed(90), start + 76 * DAY, true],
    ['an expired certificate is expiring soon', deployed(90), start + 91 * DAY, true],
    ['a stale node serving an older certificate counts', deployed(90, start + 5 * DAY), start + DAY, true],
    ['nothing issued, nothing to expire', emptyRecord('web', new Date(start)), start, false],
  ];
  for (const [name, record, now, soon] of cases) {
    it(name, () => assert.equal(expiringSoon(record, new Date(now)) !== undefined, soon));
  }
});

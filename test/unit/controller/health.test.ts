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
  const DEFAULT_ALERT = 14 * DAY; // policies/default.yaml
  const cases: [string, CertificateRecord, number, number, boolean][] = [
    ['a 90-day certificate with 30 days left is fine (renewal just started)', deployed(90), start + 60 * DAY, DEFAULT_ALERT, false],
    ['a 90-day certificate with 15 days left is not yet expiring under the default 14-day alert', deployed(90), start + 75 * DAY, DEFAULT_ALERT, false],
    ['a 90-day certificate with 14 days left is expiring soon', deployed(90), start + 76 * DAY, DEFAULT_ALERT, true],
    ["the policy's expiringAlert decides: 18 days left is expiring soon with a 21-day alert (azure-app-gateway), capped at 18 days", deployed(90), start + 72 * DAY, 21 * DAY, true],
    ['the alert is capped at a fifth of the lifetime: a 6-day certificate with 2 days left is fine under a 2-day alert', deployed(6), start + 4 * DAY, 2 * DAY, false],
    ['an expired certificate is expiring soon', deployed(90), start + 91 * DAY, DEFAULT_ALERT, true],
    ['a stale node serving an older certificate counts', deployed(90, start + 5 * DAY), start + DAY, DEFAULT_ALERT, true],
    ['nothing issued, nothing to expire', emptyRecord('web', new Date(start)), start, DEFAULT_ALERT, false],
  ];
  for (const [name, record, now, alertMs, soon] of cases) {
    it(name, () => assert.equal(expiringSoon(record, new Date(now), alertMs) !== undefined, soon));
  }
});

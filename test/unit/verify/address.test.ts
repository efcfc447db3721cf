/**
 * The verdict on one address from every connection made to it (src/verify/address.ts): which
 * refused hellos are "not offered", what one stale connection does, what a companion certificate
 * (alsoServes) counts as. Connections are ProbeResults built from real certificates.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { acceptedSerials, judgeAddress } from '../../../src/verify/address.js';
import type { ProbeResult } from '../../../src/verify/probe.js';
import { describeCertificate } from '../../../src/pki/certificate.js';
import type { ProfileName } from '../../../src/verify/profiles.js';
import { makePki } from '../../support/certs.js';

const pki = makePki('address test');
const roots = [new X509Certificate(pki.root.certPem)];
const NEW = pki.leaf(['a.test']);
const OLD = pki.leaf(['a.test']);
const RSA = pki.leaf(['a.test']);

function got(profile: ProfileName, issued: { certPem: string }): ProbeResult {
  const certs = [new X509Certificate(issued.certPem), new X509Certificate(pki.intermediate.certPem)];
  return { address: '127.0.0.1', port: 443, sni: 'a.test', ok: true, profile, leaf: describeCertificate(certs[0]), certs, ms: 1 };
}
const refused = (profile: ProfileName): ProbeResult => ({ address: '127.0.0.1', port: 443, sni: 'a.test', ok: false, profile, code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', error: 'handshake failure', ms: 1 });
const reset = (profile: ProfileName): ProbeResult => ({ address: '127.0.0.1', port: 443, sni: 'a.test', ok: false, profile, code: 'ECONNRESET', error: 'connection reset', ms: 1 });

function judge(samples: ProbeResult[], alsoServes?: string[]) {
  const accepted = acceptedSerials({ host: 'a.test', port: 443, alsoServes }, NEW.serial, [{ name: 'web-rsa', serials: [RSA.serial] }]);
  return judgeAddress(samples, { endpoint: 'a.test:443', expectedSerial: NEW.serial, accepted, previousSerial: OLD.serial, roots, now: new Date(), expiringAlertMs: 0 });
}

describe('judging every connection to one address', () => {
  const cases: [string, ProbeResult[], boolean, string[] | undefined][] = [
    ['every connection got the new serial: served', [got('default', NEW), got('default', NEW), got('rsa', NEW), got('ecdsa', NEW)], true, undefined],
    ['one default connection of three got the old serial: not served', [got('default', NEW), got('default', OLD), got('default', NEW)], false, undefined],
    ['the RSA-only hello got the old serial: not served', [got('default', NEW), got('rsa', OLD), got('ecdsa', NEW)], false, undefined],
    ['the server refuses the ECDSA-only hello while the others connect: not offered, served', [got('default', NEW), got('rsa', NEW), refused('ecdsa')], true, undefined],
    ['a refused default hello is never excused', [refused('default'), got('rsa', NEW), got('ecdsa', NEW)], false, undefined],
    ['a profile refused once and answered once is a failure, not "not offered"', [got('default', NEW), got('rsa', NEW), refused('rsa')], false, undefined],
    ['a reset is a failure whatever the profile', [got('default', NEW), got('rsa', NEW), reset('ecdsa')], false, undefined],
    ['the RSA hello got the certificate the endpoint also serves (alsoServes): served', [got('default', NEW), got('rsa', RSA), got('ecdsa', NEW)], true, ['web-rsa']],
    ['the same without alsoServes: not served', [got('default', NEW), got('rsa', RSA), got('ecdsa', NEW)], false, undefined],
  ];
  for (const [name, samples, ok, alsoServes] of cases) {
    it(name, () => assert.equal(judge(samples, alsoServes).result.ok, ok));
  }

  it('reports the stale serial and counts the connections that got each serial', () => {
    const { result } = judge([got('default', NEW), got('default', OLD), got('default', NEW), got('rsa', NEW), refused('ecdsa')]);
    assert.equal(result.served, OLD.serial);
    assert.equal(result.servedIs, 'previous');
    assert.equal(result.detail, `3 of 4 connections got ${NEW.serial}; 1 of 4 connections (profile default) got ${OLD.serial}, the previous certificate`);
    assert.deepEqual(result.samples?.map((s) => [s.profile, s.servedIs ?? null, s.notOffered ?? false]), [
      ['default', 'deployed', false],
      ['default', 'previous', false],
      ['default', 'deployed', false],
      ['rsa', 'deployed', false],
      ['ecdsa', null, true],
    ]);
    assert.equal(result.checks?.find((c) => c.name === 'serial')?.ok, false);
  });

  it('names the companion certificate and checks its connection against its own serial', () => {
    const { result } = judge([got('default', NEW), got('rsa', RSA)], ['web-rsa']);
    assert.equal(result.ok, true);
    assert.equal(result.detail, `1 of 2 connections (profile default) got ${NEW.serial}; 1 of 2 connections (profile rsa) got ${RSA.serial}, web-rsa's certificate`);
    assert.ok(result.checks?.every((c) => c.ok), JSON.stringify(result.checks));
  });
});

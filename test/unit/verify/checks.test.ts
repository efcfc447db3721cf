import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { checkServed, type AddressCheck } from '../../../src/verify/checks.js';
import { days, makeCertificate, makePki, type Pki } from '../../support/certs.js';

const x = (pem: string) => new X509Certificate(pem);
const DAY = 86_400_000;

describe('named checks on what one address serves', () => {
  let pki: Pki;
  let other: Pki;
  before(() => {
    pki = makePki('checks');
    other = makePki('untrusted');
  });

  const byName = (checks: AddressCheck[]) => Object.fromEntries(checks.map((c) => [c.name, c]));
  const run = (certs: string[], o: { expected?: string; sni?: string; roots?: string[] } = {}) =>
    byName(
      checkServed({
        certs: certs.map(x),
        expectedSerial: o.expected,
        sni: o.sni ?? 'www.test',
        address: '127.0.0.1',
        roots: (o.roots ?? [pki.root.certPem]).map(x),
        now: new Date(),
        expiringAlertMs: 14 * DAY,
      }),
    );

  it('a good leaf with its intermediate passes every check', () => {
    const leaf = pki.leaf(['www.test']);
    const c = run([leaf.certPem, pki.intermediate.certPem], { expected: leaf.serial });
    for (const name of ['serial', 'chain-trusted', 'chain-complete', 'name-matches', 'not-expired', 'not-expiring']) assert.equal(c[name].ok, true, `${name}: ${c[name].message}`);
  });

  it('another serial fails only the serial check', () => {
    const leaf = pki.leaf(['www.test']);
    const c = run([leaf.certPem, pki.intermediate.certPem], { expected: 'ABCDEF' });
    assert.equal(c.serial.ok, false);
    assert.match(c.serial.message, /expected ABCDEF/);
    assert.equal(c['chain-trusted'].ok, true);
  });

  it('a leaf sent without its intermediate is an incomplete, untrusted chain', () => {
    const leaf = pki.leaf(['www.test']);
    const c = run([leaf.certPem]);
    assert.equal(c['chain-complete'].ok, false);
    assert.match(c['chain-complete'].message, /no intermediate sent/);
    assert.equal(c['chain-trusted'].ok, false);
  });

  it('a complete chain from a CA that is not trusted is untrusted but not incomplete', () => {
    const leaf = other.leaf(['www.test']);
    const c = run([leaf.certPem, other.intermediate.certPem]);
    assert.equal(c['chain-trusted'].ok, false);
    assert.equal(c['chain-complete'].ok, true, c['chain-complete'].message);
  });

  it('a certificate for another name fails name-matches (the default-server symptom)', () => {
    const leaf = pki.leaf(['default.test']);
    const c = run([leaf.certPem, pki.intermediate.certPem], { sni: 'www.test' });
    assert.equal(c['name-matches'].ok, false);
    assert.match(c['name-matches'].message, /does not cover www\.test \(it names default\.test\)/);
  });

  it('a wildcard covers one label', () => {
    const leaf = pki.leaf(['*.test.example']);
    assert.equal(run([leaf.certPem, pki.intermediate.certPem], { sni: 'a.test.example' })['name-matches'].ok, true);
    assert.equal(run([leaf.certPem, pki.intermediate.certPem], { sni: 'a.b.test.example' })['name-matches'].ok, false);
  });

  it('an expired leaf fails not-expired and says how long ago', () => {
    const leaf = pki.leaf(['www.test'], { notBefore: days(-30), notAfter: days(-2) });
    const c = run([leaf.certPem, pki.intermediate.certPem]);
    assert.equal(c['not-expired'].ok, false);
    assert.match(c['not-expired'].message, /^expired 2d/);
    assert.equal(c['not-expiring'], undefined, 'expired is one problem, not two');
  });

  it('a 90-day leaf with 10 days left is expiring (under 14 days)', () => {
    const leaf = pki.leaf(['www.test'], { notBefore: days(-80), notAfter: days(10) });
    assert.equal(run([leaf.certPem, pki.intermediate.certPem])['not-expiring'].ok, false);
  });

  it('a 6-day leaf with 3 days left is not expiring: the threshold is capped at 1/5 of the lifetime', () => {
    const leaf = pki.leaf(['www.test'], { notBefore: days(-3), notAfter: days(3) });
    const c = run([leaf.certPem, pki.intermediate.certPem]);
    assert.equal(c['not-expiring'].ok, true, c['not-expiring'].message);
  });

  it('a self-signed certificate has no chain to complete but is not trusted', () => {
    const self = makeCertificate({ cn: 'www.test', names: ['www.test'] });
    const c = run([self.certPem]);
    assert.equal(c['chain-complete'].ok, true);
    assert.equal(c['chain-trusted'].ok, false);
  });
});

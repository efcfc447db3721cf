import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkIssuedCertificate, normalizeSerial, parseDnsNames, parseSerial } from '../../../src/pki/certificate.js';
import { days, makeCertificate, makeEcdsaLeaf } from '../../support/certs.js';

describe('serial numbers', () => {
  const cases: [string, string, string][] = [
    ['openssl colon form is upper-cased without separators', '0a:1b:2c', 'A1B2C'],
    ['leading zeros are dropped', '000F', 'F'],
    ['lower case becomes upper case', 'deadbeef', 'DEADBEEF'],
    ['spaces and dashes are separators', 'de ad-be ef', 'DEADBEEF'],
    ['a zero serial stays 0', '00:00', '0'],
    ['already normal is unchanged', 'BB564BC9C32AC0F', 'BB564BC9C32AC0F'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(normalizeSerial(input), expected));
  }
});

describe('subjectAltName parsing', () => {
  it('keeps DNS names and drops IP addresses', () => {
    assert.deepEqual(parseDnsNames('DNS:a.test, IP Address:127.0.0.1, DNS:B.test'), ['a.test', 'b.test']);
  });
  it('treats a missing extension as no names', () => assert.deepEqual(parseDnsNames(undefined), []));
});

describe('serials typed by a person (--expect-serial)', () => {
  const cases: [string, string, string | undefined][] = [
    ['plain hex is normalized', '0a1b2c', 'A1B2C'],
    ['the openssl x509 -serial form drops its "serial=" prefix instead of keeping its hex letters', 'serial=7F3C0A', '7F3C0A'],
    ['the prefix is case-insensitive and may be followed by a colon form', 'SERIAL=7f:3c:0a', '7F3C0A'],
    ['the colon form is accepted', '7f:3c:0a', '7F3C0A'],
    ['white space around it is ignored (a pasted line)', '  7F3C0A\n', '7F3C0A'],
    ['empty text is no serial (not "no expectation")', '', undefined],
    ['only white space is no serial', '   ', undefined],
    ['"serial=" alone is no serial', 'serial=', undefined],
    ['a non-hex letter is no serial', '7F3G', undefined],
    ['a 0x prefix is no serial', '0x7F3C', undefined],
    ['a doubled separator is no serial', '7f::3c', undefined],
    ['a trailing separator is no serial', '7f:3c:', undefined],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(parseSerial(input), expected));
  }
});

describe('the pre-deploy names check with IP identifiers (RFC 8738)', () => {
  const root = makeCertificate({ cn: 'ip test root', ca: true, notAfter: days(365) });
  const leaf = makeEcdsaLeaf(root, ['www.test', '127.0.0.1', '2001:db8::10']);
  const covers = (domains: string[]) => checkIssuedCertificate(leaf.certPem + root.certPem, leaf.keyPem, domains, new Date()).find((r) => r.name === 'covers-domains')!;
  const cases: [string, string[], boolean][] = [
    ['an IPv4 identifier is covered by its iPAddress entry', ['www.test', '127.0.0.1'], true],
    ['an IPv6 identifier is covered whatever its spelling', ['2001:0db8:0:0::10'], true],
    ['an address the certificate does not name is missing', ['127.0.0.2'], false],
  ];
  for (const [name, domains, ok] of cases) it(name, () => assert.equal(covers(domains).ok, ok, covers(domains).message));
  it('names the addresses it holds when one is missing', () => assert.match(covers(['127.0.0.2']).message, /does not cover 127\.0\.0\.2 \(it names www\.test, 127\.0\.0\.1, 2001:DB8:0:0:0:0:0:10\)/i));
});

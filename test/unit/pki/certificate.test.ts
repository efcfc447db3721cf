import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeSerial, parseDnsNames } from '../../../src/pki/certificate.js';

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

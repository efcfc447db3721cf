import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { challengeRecordName, challengeRecordValue, relativeName } from '../../../src/dns/challenge.js';
import { parseServer } from '../../../src/dns/client.js';

describe('dns-01 record name and value', () => {
  const names: [string, string, string][] = [
    ['an apex name gets the _acme-challenge label', 'example.com', '_acme-challenge.example.com'],
    ['a wildcard is validated at its base name', '*.example.com', '_acme-challenge.example.com'],
    ['a trailing dot and upper case are normalised', 'WWW.Example.com.', '_acme-challenge.www.example.com'],
  ];
  for (const [sentence, identifier, expected] of names) {
    it(sentence, () => assert.equal(challengeRecordName(identifier), expected));
  }

  it('the value is base64url(SHA-256(key authorization)) without padding (RFC 8555 §8.4)', () => {
    // printf 'token-abc.thumbprint-xyz' | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='
    assert.equal(challengeRecordValue('token-abc.thumbprint-xyz'), 'e4poW-EBoq21JA9OrAOs8Izzml-1iB5kE5hWbN2FDkM');
  });

  const relative: [string, string, string, string | undefined][] = [
    ['a name below the zone is relative to it', '_acme-challenge.www.example.com', 'example.com', '_acme-challenge.www'],
    ['the zone apex is "@"', 'example.com', 'example.com.', '@'],
    ['a name outside the zone has no relative name', '_acme-challenge.example.org', 'example.com', undefined],
    ['a zone that is only a suffix of a label does not match', '_acme-challenge.notexample.com', 'example.com', undefined],
  ];
  for (const [sentence, name, zone, expected] of relative) {
    it(sentence, () => assert.equal(relativeName(name, zone), expected));
  }
});

describe('DNS server addresses', () => {
  const cases: [string, string, { host: string; port: number }][] = [
    ['a bare host uses port 53', 'ns1.example.com', { host: 'ns1.example.com', port: 53 }],
    ['host:port keeps the port', '127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['a bracketed IPv6 address takes a port', '[::1]:5353', { host: '::1', port: 5353 }],
    ['a bare IPv6 address uses port 53', '2001:db8::1', { host: '2001:db8::1', port: 53 }],
  ];
  for (const [sentence, input, expected] of cases) {
    it(sentence, () => assert.deepEqual(parseServer(input), expected));
  }
});

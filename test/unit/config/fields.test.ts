import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import path from 'node:path';
import { configPathKey, DomainName, isDomainName, resolvedPathKey, withBaseDir } from '../../../src/config/fields.js';
import { random } from '../../support/random.js';

/** The rule as first written (split and a regular expression per label): the reference. */
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
function reference(s: string): boolean {
  const name = s.startsWith('*.') ? s.slice(2) : s;
  if (name.length > 253 || !name.includes('.')) return false;
  const labels = name.split('.');
  return labels.every((label) => DNS_LABEL.test(label)) && !/^[0-9]+$/.test(labels[labels.length - 1]);
}

describe('DomainName', () => {
  // [input, a DNS name, an identifier DomainName accepts (a DNS name, or an IP address: RFC 8738)]
  const cases: [string, boolean, boolean?][] = [
    ['www.example.com', true],
    ['*.example.com', true],
    ['a-b.c0', true],
    ['localhost', false],
    ['Example.com', false],
    ['-a.com', false],
    ['a-.com', false],
    ['a..com', false],
    ['a.com.', false],
    ['.a.com', false],
    ['*.', false],
    ['*.*.a.com', false],
    ['a.*.com', false],
    ['a_b.com', false],
    ['a.com\n', false],
    [`${'a'.repeat(63)}.com`, true],
    [`${'a'.repeat(64)}.com`, false],
    [`${'a.'.repeat(125)}abc`, true], // 253 characters
    [`${'a.'.repeat(125)}abcd`, false],
    [`*.${'a.'.repeat(125)}abc`, true],
    ['', false],
    ['192.0.2.1', false, true],
    ['2001:db8::10', false, true],
    ['::1', false, true],
    ['fe80::1%eth0', false],
    ['192.0.2', false],
    ['a.b.123', false],
    ['1.example', true],
    ['a.1b', true],
  ];
  for (const [name, ok, identifier = ok] of cases) {
    it(`${identifier ? 'accepts' : 'rejects'} ${JSON.stringify(name.length > 40 ? `${name.slice(0, 20)}…(${name.length})` : name)}${identifier && !ok ? ' as an IP identifier' : ''}`, () => {
      assert.equal(isDomainName(name), ok);
      assert.equal(reference(name), ok);
      assert.equal(DomainName.safeParse(name).success, identifier);
    });
  }

  it('isDomainName gives the reference rule’s verdict on 200,000 random strings', () => {
    const next = random(53);
    const alphabet = 'aaaabz0099---....*A_ \n';
    let accepted = 0;
    for (let n = 0; n < 200_000; n++) {
      const length = Math.floor(next() * (next() < 0.02 ? 300 : 14));
      let s = next() < 0.2 ? '*.' : '';
      for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      const want = reference(s);
      if (want) accepted++;
      assert.equal(isDomainName(s), want, JSON.stringify(s));
    }
    assert.ok(accepted > 1000, `only ${accepted} valid names generated`);
  });
});

describe('configPathKey', () => {
  it('is the key of path.resolve\'s result, on the usual shapes and on 100,000 random paths, from several folders', () => {
    const usual = ['./live/web/key.pem', 'live/web/key.pem', '/etc/ssl/key.pem', './a', 'a', '/', '.', '..', './', '../x', 'a/../b', 'a/./b', 'a//b', 'a/', '/a/.', '.hidden/x', 'x/.hidden', '..x/y', 'x/..y', '././a'];
    const next = random(16);
    const alphabet = 'ab././/.\\ ~';
    const random100k = Array.from({ length: 100_000 }, () => Array.from({ length: Math.floor(next() * 10) + 1 }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
    for (const base of ['/etc/certloop', '/', '/srv/a b']) {
      withBaseDir(base, () => {
        for (const p of [...usual, ...random100k]) assert.equal(configPathKey(p), resolvedPathKey(path.resolve(base, p)), JSON.stringify([base, p]));
        // Keys of distinct absolute paths differ: below the folder they lose its prefix, outside it they keep their "/".
        if (base !== '/') assert.notEqual(resolvedPathKey(path.join(base, 'x')), resolvedPathKey('/x'), base);
      });
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameDomains, uncoveredDomains } from '../../../src/pki/domains.js';

describe('two domain lists name the same certificate', () => {
  const cases: [string, string[], string[], boolean][] = [
    ['the same names in the same order are the same', ['a.test', 'b.test'], ['a.test', 'b.test'], true],
    ['the same names in another order are the same', ['a.test', 'b.test'], ['b.test', 'a.test'], true],
    ['a name added is a change', ['a.test'], ['a.test', 'b.test'], false],
    ['a name removed is a change', ['a.test', 'b.test'], ['a.test'], false],
    ['a name replaced is a change', ['a.test', 'b.test'], ['a.test', 'c.test'], false],
    ['a repeated name does not stand in for a missing one', ['a.test', 'a.test'], ['a.test', 'b.test'], false],
    ['a wildcard is a name of its own', ['*.a.test'], ['a.test'], false],
    ['two empty lists are the same', [], [], true],
  ];
  for (const [name, a, b, same] of cases) {
    it(name, () => {
      assert.equal(sameDomains(a, b), same);
      assert.equal(sameDomains(b, a), same, 'either way round');
    });
  }
});

describe('the domains a certificate does not cover', () => {
  it('lists the configured names missing from the certificate, in config order', () => {
    assert.deepEqual(uncoveredDomains(['a.test', 'b.test', 'c.test'], ['c.test', 'a.test']), ['b.test']);
  });
  it('compares a configured name in lower case, as certificates carry them', () => {
    assert.deepEqual(uncoveredDomains(['WWW.a.test'], ['www.a.test']), []);
  });
});

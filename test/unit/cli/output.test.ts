import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedOutput, writeJsonWithList } from '../../../src/cli/output.js';

function written(head: Record<string, unknown>, key: string, items: unknown[]): string {
  let text = '';
  writeJsonWithList(new ChunkedOutput((s) => (text += s)), head, key, items);
  return text;
}

const item = (i: number) => ({ name: `c${i}`, nested: { list: [i, 'two\nlines', null], empty: {}, none: [] }, quote: 'a "b" \\ c', n: i / 3 });

describe('JSON written a batch at a time', () => {
  for (const count of [0, 1, 2, 99, 100, 101, 250]) {
    it(`is byte for byte JSON.stringify(…, null, 2) with ${count} items`, () => {
      const items = Array.from({ length: count }, (_, i) => item(i));
      const head = { at: '2026-01-01T00:00:00.000Z', now: 'x' };
      assert.equal(written(head, 'certificates', items), `${JSON.stringify({ ...head, certificates: items }, null, 2)}\n`);
    });
  }

  it('keeps a key that needs escaping', () => {
    const items = [item(1), item(2)];
    assert.equal(written({}, 'a "key"', items), `${JSON.stringify({ 'a "key"': items }, null, 2)}\n`);
  });
});

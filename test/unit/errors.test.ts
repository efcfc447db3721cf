import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/errors.js';
import { readDoc } from '../support/docs.js';

describe('error codes', () => {
  it('every code is documented in the table of docs/error-codes.md, and the table lists no code that does not exist', () => {
    const page = readDoc('docs/error-codes.md');
    const documented = [...page.matchAll(/^\| ([A-Z_]+) \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(ERROR_CODES).sort());
  });
});

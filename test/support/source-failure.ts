/** For watch source tests: the CertloopError a listing must fail with (code SOURCE_FAILED). */
import assert from 'node:assert/strict';
import { CertloopError } from '../../src/errors.js';

export async function sourceFailure(listing: Promise<unknown>): Promise<CertloopError> {
  const err = await listing.then(
    () => assert.fail('expected the listing to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CertloopError, String(err));
  assert.equal(err.code, 'SOURCE_FAILED');
  return err;
}

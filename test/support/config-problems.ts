import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

/** The loader's message for a config that must be rejected (fails the test if it is accepted). */
export function configProblems(text: string, file = '/etc/certloop/certloop.yaml'): string {
  try {
    parseConfigText(text, file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.message;
  }
  assert.fail('expected the config to be rejected');
}

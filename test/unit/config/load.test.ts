import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors.js';
import { parseConfigText } from '../../../src/config/load.js';
import { ACCEPTED, GOOD, MALFORMED } from './cases.js';

function problems(text: string): string[] {
  try {
    parseConfigText(text, '/etc/certloop/certloop.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.message.split('\n');
  }
  assert.fail('expected the config to be rejected');
}

describe('config loading', () => {
  it('accepts the documented example and resolves paths against the config folder', () => {
    const c = parseConfigText(GOOD, '/etc/certloop/certloop.yaml');
    assert.equal(c.state, '/etc/certloop/certloop.db');
    assert.equal(c.acme.caBundle, '/etc/certloop/pebble-ca.pem');
    const t = c.certificates[0].targets![0];
    assert.equal(t.type, 'file');
    assert.equal(t.cert, '/etc/certloop/live/web/fullchain.pem');
    assert.equal(c.certificates[0].verify.trust, '/etc/certloop/pebble-root.pem');
    assert.equal(c.certificates[0].verify.endpoints[0].port, 8443);
  });

  it('expands the directory aliases', () => {
    const c = parseConfigText(GOOD.replace('https://localhost:14000/dir', 'letsencrypt-staging'), '/x/c.yaml');
    assert.equal(c.acme.directory, 'https://acme-staging-v02.api.letsencrypt.org/directory');
  });

  it('defaults the state path and key type when omitted', () => {
    const c = parseConfigText(GOOD.replace('state: ./certloop.db\n', '').replace('    key: { type: ecdsa-p256 }\n', ''), '/srv/c.yaml');
    assert.equal(c.state, '/srv/certloop.db');
    assert.equal(c.certificates[0].key.type, 'ecdsa-p256');
  });

  it('resolves ${env:NAME} and ${file:PATH} and remembers which fields were secret', () => {
    process.env.CERTLOOP_TEST_EMAIL = 'sre@example.com';
    const c = parseConfigText(GOOD.replace('ops@example.com', '${env:CERTLOOP_TEST_EMAIL}'), '/x/c.yaml');
    assert.equal(c.acme.email, 'sre@example.com');
    assert.deepEqual(c.secretPaths, ['acme.email']);
  });

  const cases = MALFORMED;
  for (const [name, text, expected] of cases) {
    it(`rejects ${name}`, () => {
      const lines = problems(text);
      assert.match(lines.join('\n'), expected);
      for (const line of lines) assert.match(line, /^\/etc\/certloop\/certloop\.yaml/, 'every problem names the file');
    });
  }

  for (const [name, text] of ACCEPTED) {
    it(`accepts ${name}`, () => assert.doesNotThrow(() => parseConfigText(text, '/etc/certloop/certloop.yaml')));
  }

  it('reports every problem at once', () => {
    const lines = problems(GOOD.replace('ecdsa-p256', 'dsa').replace('port: 8443', 'port: 0'));
    assert.equal(lines.length, 2);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors.js';
import { parseConfigText } from '../../../src/config/load.js';

const GOOD = `acme:
  directory: https://localhost:14000/dir
  email: ops@example.com
  caBundle: ./pebble-ca.pem
state: ./certloop.db
certificates:
  - name: web
    domains: [a.test, b.test]
    key: { type: ecdsa-p256 }
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets:
      - type: file
        cert: ./live/web/fullchain.pem
        key: ./live/web/privkey.pem
        reload: [nginx, -p, ./nginx, -c, nginx.conf, -s, reload]
    verify:
      endpoints:
        - { host: 127.0.0.1, port: 8443, sni: a.test }
      trust: ./pebble-root.pem
`;

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
    const t = c.certificates[0].targets[0];
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

  const cases: [string, string, RegExp][] = [
    ['a YAML syntax error names the line', GOOD.replace('domains: [a.test, b.test]', 'domains: [a.test, b.test'), /certloop\.yaml:\d+:\d+: YAML syntax/],
    ['a missing acme section is named', GOOD.replace(/^acme:[\s\S]*?state:/m, 'state:'), /acme: required field is missing/],
    ['an unknown top-level field is named with its line', GOOD + 'stat: oops\n', /certloop\.yaml:\d+:\d+: unknown field "stat"/],
    ['a typo inside a certificate is named by path', GOOD.replace('domains:', 'domain:'), /certificates\[0\]: unknown field "domain"/],
    ['an unknown key type lists the choices', GOOD.replace('ecdsa-p256', 'ed25519'), /certificates\[0\]\.key\.type: expected one of "ecdsa-p256"/],
    ['an unknown challenge type says which exist', GOOD.replace('type: http-01', 'type: tls-alpn-01'), /certificates\[0\]\.challenge(\.type)?: unknown challenge type/],
    ['http-01 without listen or webroot', GOOD.replace(', listen: 127.0.0.1:5002', ''), /exactly one of listen/],
    ['a listen address without a port', GOOD.replace('127.0.0.1:5002', '127.0.0.1'), /expected HOST:PORT/],
    ['an unknown target type', GOOD.replace('type: file', 'type: ftp'), /unknown target type/],
    ['a target without a key path', GOOD.replace('        key: ./live/web/privkey.pem\n', ''), /targets\[0\]\.key: required field is missing/],
    ['reload given as a shell string', GOOD.replace('[nginx, -p, ./nginx, -c, nginx.conf, -s, reload]', '"nginx -s reload"'), /reload: expected array/],
    ['no targets at all', GOOD.replace(/    targets:[\s\S]*?    verify:/, '    targets: []\n    verify:'), /at least one target/],
    ['an upper-case or dotless domain', GOOD.replace('a.test, b.test', 'A.TEST, localhost'), /domains\[0\]: expected a lower-case DNS name[\s\S]*domains\[1\]/],
    ['a wildcard over http-01', GOOD.replace('a.test, b.test', '"*.a.test"'), /needs a dns-01 challenge/],
    ['a duplicate domain', GOOD.replace('a.test, b.test', 'a.test, a.test'), /listed twice/],
    ['a duplicate certificate name', GOOD + GOOD.slice(GOOD.indexOf('  - name: web')), /duplicate certificate name "web"/],
    ['a port out of range', GOOD.replace('port: 8443', 'port: 70000'), /endpoints\[0\]\.port/],
    ['a bad duration', GOOD.replace('trust: ./pebble-root.pem', 'trust: ./pebble-root.pem\n      timeout: soon'), /expected a duration/],
    ['a directory that is not a URL', GOOD.replace('https://localhost:14000/dir', 'localhost'), /acme\.directory: expected an https:\/\/ ACME directory URL/],
    ['an invalid email', GOOD.replace('ops@example.com', 'ops'), /acme\.email: expected an e-mail address/],
    ['an unset environment reference', GOOD.replace('ops@example.com', '${env:CERTLOOP_SURELY_UNSET}'), /CERTLOOP_SURELY_UNSET is not set/],
    ['an unreadable file reference', GOOD.replace('ops@example.com', '${file:/nonexistent/secret}'), /cannot read \/nonexistent\/secret/],
    ['a document that is a list', '- a\n- b\n', /expected a YAML mapping/],
    ['a name with a slash', GOOD.replace('name: web', 'name: web/1'), /certificates\[0\]\.name: expected a name/],
    ['no certificates', GOOD.slice(0, GOOD.indexOf('certificates:')) + 'certificates: []\n', /at least one certificate/],
  ];
  for (const [name, text, expected] of cases) {
    it(`rejects ${name}`, () => {
      const lines = problems(text);
      assert.match(lines.join('\n'), expected);
      for (const line of lines) assert.match(line, /^\/etc\/certloop\/certloop\.yaml/, 'every problem names the file');
    });
  }

  it('reports every problem at once', () => {
    const lines = problems(GOOD.replace('ecdsa-p256', 'dsa').replace('port: 8443', 'port: 0'));
    assert.equal(lines.length, 2);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { configProblems } from '../../support/config-problems.js';

function config(challenge: string, domains = '["*.w.test", w.test]'): string {
  return `acme:
  directory: https://localhost:14000/dir
certificates:
  - name: wild
    domains: ${domains}
    challenge:
${challenge.replace(/^/gm, '      ')}
    targets:
      - { type: file, cert: ./live/fullchain.pem, key: ./live/privkey.pem }
`;
}

function challengeOf(text: string): Record<string, unknown> {
  return parseConfigText(text, '/etc/certloop/certloop.yaml').certificates[0].challenge as Record<string, unknown>;
}

const problems = configProblems;

const RFC2136 = `type: dns-01
provider: rfc2136
server: 127.0.0.1:5353
zone: w.test.
tsig:
  name: certloop
  secret: c2VjcmV0LXNlY3JldC1zZWNyZXQ=`;

describe('dns-01 configuration', () => {
  it('accepts the rfc2136 example with its defaults, and a wildcard with dns-01', () => {
    assert.deepEqual(challengeOf(config(RFC2136)), {
      type: 'dns-01',
      provider: 'rfc2136',
      server: '127.0.0.1:5353',
      zone: 'w.test',
      tsig: { name: 'certloop', algorithm: 'hmac-sha256', secret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=' },
      ttl: 60,
      timeout: 10_000,
      propagationTimeout: 120_000,
    });
  });

  it('accepts azure-dns with the default credential', () => {
    const c = challengeOf(config('type: dns-01\nprovider: azure-dns\nsubscriptionId: sub\nresourceGroup: dns\nzone: W.test'));
    assert.deepEqual(c.credential, { type: 'default' });
    assert.equal(c.zone, 'w.test');
  });

  it('accepts exec with the command run from the config folder', () => {
    const c = challengeOf(config('type: dns-01\nprovider: exec\ncommand: [./hooks/dns.sh]\npropagationTimeout: 30s\nnameservers: [ns1.example.com, "[::1]:5353"]'));
    assert.equal(c.cwd, '/etc/certloop');
    assert.equal(c.propagationTimeout, 30_000);
    assert.deepEqual(c.nameservers, ['ns1.example.com', '[::1]:5353']);
  });

  it('an unknown provider lists the choices', () => {
    assert.match(problems(config('type: dns-01\nprovider: route53')), /certloop\.yaml:8:\d+: certificates\[0\]\.challenge\.provider: unknown dns-01 provider: expected one of rfc2136, azure-dns, exec/);
  });

  it('a missing provider says so and lists the choices', () => {
    assert.match(problems(config('type: dns-01\nserver: 127.0.0.1')), /challenge\.provider: unknown dns-01 provider: provider is missing; expected one of rfc2136, azure-dns, exec/);
  });

  it('an unknown challenge type lists both types', () => {
    assert.match(problems(config('type: dns-02')), /challenge\.type: unknown challenge type: expected one of http-01, dns-01/);
  });

  it('a field of another provider is an unknown field', () => {
    assert.match(problems(config(`${RFC2136}\nresourceGroup: dns`)), /challenge: unknown field "resourceGroup"/);
  });

  it('a TSIG secret that is not base64 is rejected without echoing it', () => {
    const msg = problems(config(RFC2136.replace('c2VjcmV0LXNlY3JldC1zZWNyZXQ=', 'not base64 at all!')));
    assert.match(msg, /challenge\.tsig\.secret: expected the key secret in base64/);
    assert.ok(!msg.includes('not base64 at all!'));
  });

  it('an unsupported TSIG algorithm lists the supported ones', () => {
    assert.match(problems(config(`${RFC2136}`.replace('name: certloop', 'name: certloop\n  algorithm: hmac-md5'))), /tsig\.algorithm: expected one of "hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1"/);
  });

  it('an unknown Azure credential type lists the choices', () => {
    const msg = problems(config('type: dns-01\nprovider: azure-dns\nsubscriptionId: s\nresourceGroup: r\nzone: w.test\ncredential: { type: password }'));
    assert.match(msg, /challenge\.credential\.type: unknown credential type: expected one of default, managed-identity, client-secret/);
  });

  it('a wildcard with http-01 is still rejected', () => {
    assert.match(problems(config('type: http-01\nlisten: 127.0.0.1:5002')), /wildcard "\*\.w\.test" needs a dns-01 challenge/);
  });
});

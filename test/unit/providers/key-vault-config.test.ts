/** The key-vault target's settings: parsing, defaults, errors that name the field, no secrets echoed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { ROOT } from '../../support/workspace.js';
import { configProblems } from '../../support/config-problems.js';

const config = (target: string) => `acme:
  directory: https://localhost:14000/dir
certificates:
  - name: web
    domains: [www.example.com]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets:
      - type: key-vault
${target
  .trim()
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
`;

const problems = configProblems;

describe('key-vault target settings', () => {
  it('accepts the documented example with defaults filled in', () => {
    const c = parseConfigText(config(`vaultUrl: https://myvault.vault.azure.net/\ncertificateName: www-example-com`), '/etc/certloop/certloop.yaml');
    const t = c.certificates[0].targets![0];
    assert.deepEqual(t, {
      type: 'key-vault',
      vaultUrl: 'https://myvault.vault.azure.net',
      certificateName: 'www-example-com',
      credential: { type: 'default' },
      disableChallengeResourceVerification: false,
      adopt: true,
      maxRetryWait: 30_000,
      timeout: 60_000,
    });
  });

  it('resolves the client secret and the PFX password from references and resolves caBundle against the config folder', () => {
    process.env.CERTLOOP_TEST_KV_SECRET = 'sekrit-value-1';
    const c = parseConfigText(
      config(`vaultUrl: https://myvault.vault.azure.net
certificateName: web
credential: { type: client-secret, tenantId: t, clientId: c, clientSecret: "\${env:CERTLOOP_TEST_KV_SECRET}" }
password: "\${env:CERTLOOP_TEST_KV_SECRET}"
caBundle: ./private-ca.pem`),
      '/etc/certloop/certloop.yaml',
    );
    const t = c.certificates[0].targets![0];
    assert.ok(t.type === 'key-vault' && t.credential.type === 'client-secret');
    assert.equal(t.credential.clientSecret, 'sekrit-value-1');
    assert.equal(t.caBundle, '/etc/certloop/private-ca.pem');
    assert.ok(c.secretPaths.includes('certificates[0].targets[0].credential.clientSecret'));
  });

  const cases: [string, string, RegExp][] = [
    ['a certificate name with dots says Key Vault allows none', 'vaultUrl: https://v.vault.azure.net\ncertificateName: www.example.com', /certificates\[0\]\.targets\[0\]\.certificateName: .*no dots: www-example-com/],
    ['an http vault URL is refused', 'vaultUrl: http://v.vault.azure.net\ncertificateName: web', /targets\[0\]\.vaultUrl: expected the vault URL/],
    ['an unknown credential type lists the known ones', 'vaultUrl: https://v.vault.azure.net\ncertificateName: web\ncredential: { type: certificate }', /credential\.type: unknown credential type: expected one of default, managed-identity, client-secret/],
    ['client-secret without its secret names the missing field', 'vaultUrl: https://v.vault.azure.net\ncertificateName: web\ncredential: { type: client-secret, tenantId: t, clientId: c }', /credential\.clientSecret: required field is missing/],
    ['a misspelt setting is an error', 'vaultUrl: https://v.vault.azure.net\ncertificateName: web\ncaBundel: x.pem', /unknown field "caBundel"/],
  ];
  for (const [name, target, expected] of cases) {
    it(name, () => assert.match(problems(config(target)), expected));
  }

  it('a secret of the wrong type is not echoed in the error', () => {
    const message = problems(config('vaultUrl: https://v.vault.azure.net\ncertificateName: web\ncredential: { type: client-secret, tenantId: t, clientId: c, clientSecret: 12345678 }'));
    assert.match(message, /clientSecret: expected string/);
    assert.doesNotMatch(message, /12345678/);
  });

  it('loading a config and creating the target never imports an Azure SDK (it loads on first use)', () => {
    // A resolve hook that refuses @azure/* proves the SDKs stay unloaded until the target talks to Key Vault.
    const script = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, n) { if (s.startsWith("@azure/")) throw new Error("loaded " + s); return n(s, c); }'));
      const { parseConfigText } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/config/load.js'))});
      const { createTarget } = await import(${JSON.stringify(path.join(ROOT, 'dist/providers/registry.js'))});
      const c = parseConfigText(${JSON.stringify(config('vaultUrl: https://127.0.0.1:1\ncertificateName: web\ntimeout: 2s'))}, '/x/c.yaml');
      const target = await createTarget(c.certificates[0].targets[0], 'web');
      console.log('created', target.id);
      const { silentLogger } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/observability/logger.js'))});
      await target.currentSerial({ log: silentLogger(), baseDir: '/x' }).catch((e) => console.log('first use:', e.message));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /created key-vault:https:\/\/127\.0\.0\.1:1\/certificates\/web/);
    assert.match(r.stdout, /first use: .*loaded @azure\//, 'the hook works: first use does load the SDK');
  });
});

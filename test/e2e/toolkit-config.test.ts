/**
 * The first ten minutes, through the built CLI: `certloop init` writes a starter config the real
 * loader accepts and never overwrites one; `config check` shows the resolved config with every
 * secret masked; `config schema` prints the schema editors use.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/config/load.js';
import { cli, tempDir } from '../support/lab.js';

describe('certloop init', () => {
  it('writes a commented starter config that the real loader accepts, with the schema beside it', async () => {
    const dir = tempDir('init');
    const file = path.join(dir, 'etc', 'certloop.yaml');
    const r = await cli(['-c', file, 'init', '--domain', 'example.com', '--domain', 'www.example.com', '--email', 'ops@example.com', '--webroot', '/var/www/html', '--nginx']);
    assert.equal(r.code, 0, r.stderr);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text.split('\n')[0], /^# yaml-language-server: \$schema=\.\/certloop\.schema\.json$/);
    assert.match(text, /^\s+# /m, 'commented');
    const config = loadConfig(file);
    const cert = config.certificates[0];
    assert.deepEqual(cert.domains, ['example.com', 'www.example.com']);
    assert.equal(config.acme.email, 'ops@example.com');
    assert.deepEqual(cert.challenge, { type: 'http-01', webroot: '/var/www/html' });
    assert.deepEqual((cert.targets![0] as { reload?: string[] }).reload, ['nginx', '-s', 'reload']);
    assert.deepEqual(cert.verify.endpoints.map((e) => `${e.host}:${e.port}`), ['example.com:443', 'www.example.com:443']);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'etc', 'certloop.schema.json'), 'utf8')), configJsonSchema());
  });

  it('with --standalone listens on port 80 by default, or where told', async () => {
    const dir = tempDir('init');
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    assert.equal((await cli(['-c', a, 'init', '--domain', 'api.example.com', '--standalone'])).code, 0);
    assert.equal((await cli(['-c', b, 'init', '--domain', 'api.example.com', '--standalone', '127.0.0.1:5002', '--name', 'api'])).code, 0);
    assert.deepEqual(loadConfig(a).certificates[0].challenge, { type: 'http-01', listen: '0.0.0.0:80' });
    const cb = loadConfig(b).certificates[0];
    assert.equal(cb.name, 'api');
    assert.deepEqual(cb.challenge, { type: 'http-01', listen: '127.0.0.1:5002' });
  });

  it('refuses to overwrite an existing file, with exit 2 and a clear message', async () => {
    const dir = tempDir('init');
    const file = path.join(dir, 'certloop.yaml');
    fs.writeFileSync(file, '# mine\n');
    const r = await cli(['-c', file, 'init', '--domain', 'example.com', '--standalone']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /already exists; certloop init never overwrites/);
    assert.equal(fs.readFileSync(file, 'utf8'), '# mine\n');
  });

  const usage: [string, string[], RegExp][] = [
    ['no --domain is a usage error', ['--standalone'], /at least one --domain/],
    ['neither --webroot nor --standalone is a usage error', ['--domain', 'example.com'], /--webroot DIR .* or --standalone/],
    ['both --webroot and --standalone is a usage error', ['--domain', 'example.com', '--webroot', '/w', '--standalone'], /not both/],
    ['a domain the loader would reject is named like a config error and nothing is written', ['--domain', 'Example', '--standalone'], /domains\[0\]: expected a lower-case DNS name/],
  ];
  for (const [name, args, expected] of usage) {
    it(name, async () => {
      const file = path.join(tempDir('init'), 'certloop.yaml');
      const r = await cli(['-c', file, 'init', ...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, expected);
      assert.equal(fs.existsSync(file), false);
    });
  }
});

describe('certloop config check and schema', () => {
  const HMAC = 'c2VjcmV0LWhtYWMta2V5LXZhbHVl';
  const TOKEN = 'tok-9f8e7d6c5b4a';
  function write(dir: string, extra = ''): string {
    const file = path.join(dir, 'certloop.yaml');
    fs.writeFileSync(path.join(dir, 'ca.pem'), 'not really a CA\n');
    fs.writeFileSync(
      file,
      `acme:
  directory: https://127.0.0.1:14000/dir
  email: \${env:CHECK_EMAIL}
  caBundle: ./ca.pem
  fallback:
    - directory: https://ca.example/directory
      eab: { kid: kid-1, hmacKey: "\${env:CHECK_HMAC}" }
    - directory: https://other.example/directory
      eab: { kid: kid-2, hmacKey: ${HMAC}x }
certificates:
  - name: web
    domains: [a.test]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets:
      - type: file
        cert: ./live/fullchain.pem
        key: ./live/privkey.pem
        reload: ["true", "--token=\${env:CHECK_TOKEN}"]
${extra}`,
    );
    return file;
  }
  const env = { CHECK_EMAIL: 'sre@example.com', CHECK_HMAC: HMAC, CHECK_TOKEN: TOKEN };

  it('prints the resolved config with secrets masked: references and secret-named fields', async () => {
    const dir = tempDir('config-check');
    const file = write(dir);
    for (const args of [['config', 'check'], ['config', 'check', '--json']]) {
      const r = await cli(['-c', file, ...args], { env });
      assert.equal(r.code, 0, r.stderr);
      const out = r.stdout + r.stderr;
      for (const secret of [HMAC, TOKEN, 'sre@example.com']) assert.ok(!out.includes(secret), `${args.join(' ')} shows ${secret}`);
      assert.match(out, /\*{8}/);
    }
    const json = (await cli(['-c', file, 'config', 'check', '--json'], { env })).json;
    assert.equal(json.valid, true);
    assert.deepEqual(json.warnings, []);
    assert.equal(json.config.acme.email, '********');
    assert.equal(json.config.acme.fallback[0].eab.hmacKey, '********');
    assert.equal(json.config.acme.fallback[1].eab.hmacKey, '********', 'inline secrets are masked by field name');
    assert.equal(json.config.acme.fallback[0].eab.kid, 'kid-1');
    assert.deepEqual(json.config.certificates[0].targets[0].reload, ['true', '********']);
    assert.equal(json.config.certificates[0].targets[0].cert, path.join(dir, 'live', 'fullchain.pem'), 'paths resolved');
    assert.equal(json.config.certificates[0].verify.pollFor, 15000, 'defaults applied');
  });

  it('exits 1 with a warning when a valid config names a file it cannot read', async () => {
    const dir = tempDir('config-check');
    const file = write(dir, '    verify: { trust: ./missing-root.pem }\n');
    const r = await cli(['-c', file, 'config', 'check'], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /warning: certificates\[0\]\.verify\.trust: cannot read .*missing-root\.pem \(ENOENT\)/);
  });

  it('exits 2 naming file, line and field for an invalid config, without echoing secrets', async () => {
    const dir = tempDir('config-check');
    const file = write(dir, '    verify: { timeout: soon }\n');
    const r = await cli(['-c', file, 'config', 'check'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /certloop\.yaml:\d+:\d+: certificates\[0\]\.verify\.timeout: expected a duration/);
    assert.ok(!r.stderr.includes(HMAC));
  });

  it('config schema prints the JSON Schema, no config needed', async () => {
    const r = await cli(['config', 'schema'], { cwd: tempDir('schema') });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json, configJsonSchema());
    assert.equal(r.json.$schema, 'http://json-schema.org/draft-07/schema#');
  });
});

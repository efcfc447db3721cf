/**
 * The Key Vault target driven through the real @azure/keyvault-certificates, @azure/identity and
 * @azure/keyvault-secrets SDKs against the local imitation of Key Vault and its token authority.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import { CertloopError } from '../../../src/errors.js';
import { REDACT_PATHS } from '../../../src/observability/logger.js';
import type { CertificateBundle, DeployContext } from '../../../src/plugins.js';
import { KeyVaultTarget, TAGS } from '../../../providers/targets/key-vault/index.js';
import { KeyVaultTargetConfig } from '../../../providers/targets/key-vault/schema.js';
import { makeTestCa, type TestCa, type TestCertificate } from '../../support/keyvault/certs.js';
import { startFakeKeyVault, type FakeKeyVault } from '../../support/keyvault/server.js';
import { tempDir } from '../../support/workspace.js';

const CLIENT_ID = 'certloop-app';
const CLIENT_SECRET = 'kv-test-client-secret-ABC123';
const PFX_PASSWORD = 'pfx-test-password-XYZ789';

/** Everything logged in this file, to check that no secret was ever written. */
let logged = '';
const log = pino(
  { level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
  new Writable({
    write(chunk, _enc, cb) {
      logged += chunk.toString();
      cb();
    },
  }),
);
const ctx: DeployContext = { log, baseDir: process.cwd() };

function bundle(name: string, c: TestCertificate, domains: string[]): CertificateBundle {
  const [certPem, ...chain] = c.fullchainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)!;
  return { name, serial: c.serial, domains, notAfter: c.notAfter, certPem, chainPem: chain.join(''), fullchainPem: c.fullchainPem, keyPem: c.keyPem, issuedAt: new Date() };
}

async function rejection(p: Promise<unknown>): Promise<CertloopError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CertloopError, `expected a CertloopError, got ${err}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('key-vault target against a local Key Vault', () => {
  let kv: FakeKeyVault;
  let ca: TestCa;
  let dir: string;
  const target = (over: Record<string, unknown> = {}) =>
    new KeyVaultTarget(
      KeyVaultTargetConfig.parse({
        type: 'key-vault',
        vaultUrl: kv.vaultUrl,
        certificateName: 'www-example-com',
        credential: { type: 'client-secret', tenantId: kv.tenantId, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorityHost: kv.authorityHost },
        caBundle: kv.caFile,
        disableChallengeResourceVerification: true,
        maxRetryWait: '5s',
        ...over,
      }),
      'web',
    );

  before(async () => {
    dir = tempDir('kv-target');
    kv = await startFakeKeyVault({ dir: path.join(dir, 'vault'), clients: { [CLIENT_ID]: CLIENT_SECRET }, pageSize: 1 });
    ca = makeTestCa(path.join(dir, 'ca'));
  });
  after(async () => {
    await kv?.stop();
    assert.doesNotMatch(logged, new RegExp(`${CLIENT_SECRET}|${PFX_PASSWORD}|PRIVATE KEY`), 'no secret was logged');
  });

  it('imports a new version as a 3DES/SHA-1 PFX with leaf, chain, key and tags, then confirms the latest serial', async () => {
    const c = ca.issue(['www.example.com', 'example.com']);
    const t = target({ password: PFX_PASSWORD });
    assert.equal(await t.currentSerial(ctx), undefined, 'nothing there yet');
    await t.deploy(bundle('web', c, ['www.example.com', 'example.com']), ctx);

    const v = kv.latest('www-example-com')!;
    assert.equal(new X509Certificate(v.certs[0].raw).serialNumber.replace(/^0+/, ''), c.serial);
    assert.equal(v.certs.length, 2, 'the chain came along');
    assert.ok(v.certs[0].checkPrivateKey(createPrivateKey(v.keyPem)), 'the key came along');
    assert.deepEqual(Object.keys(v.tags).sort(), [TAGS.domains, TAGS.issuedAt, TAGS.serial].sort());
    assert.equal(v.tags[TAGS.serial], c.serial);
    assert.equal(v.tags[TAGS.domains], 'www.example.com,example.com');
    assert.equal(await t.currentSerial(ctx), c.serial);
    assert.deepEqual((await t.observe(ctx))?.version, v.version);

    // What went over the wire: a PFX (no policy, so Key Vault reads it as PKCS#12), 3DES and SHA-1.
    const body = JSON.parse(kv.bodies.at(-1)!);
    assert.equal(body.policy, undefined);
    const pfxFile = path.join(dir, 'wire.pfx');
    fs.writeFileSync(pfxFile, Buffer.from(body.value, 'base64'));
    // `openssl pkcs12 -info` describes the structure on stderr.
    const info = spawnSync('openssl', ['pkcs12', '-in', pfxFile, '-info', '-noout', '-passin', `pass:${PFX_PASSWORD}`], { encoding: 'utf8' });
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stderr, /MAC: sha1/);
    assert.match(info.stderr, /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/);
    assert.ok(kv.requests.some((r) => r.rawQuery.includes('api%2Dversion=')), 'the SDK sends api%2Dversion; the server decodes it');
  });

  it('imports nothing when the latest version already holds the serial (a redeploy after a crash)', async () => {
    const c = ca.issue(['a.test']);
    const t = target({ certificateName: 'idempotent' });
    await t.deploy(bundle('web', c, ['a.test']), ctx);
    await t.deploy(bundle('web', c, ['a.test']), ctx);
    assert.equal(kv.versions('idempotent').length, 1);
  });

  it('never imports an expired certificate, and does not even call the vault', async () => {
    const c = ca.issue(['a.test'], { days: -1 });
    const before = kv.requests.length;
    const e = await rejection(target({ certificateName: 'expired' }).deploy(bundle('web', c, ['a.test']), ctx));
    assert.equal(e.code, 'DEPLOY_FAILED');
    assert.equal(e.retryable, false);
    assert.match(e.message, /expired/);
    assert.equal(kv.requests.length, before);
    assert.equal(kv.versions('expired').length, 0);
  });

  it('a 403 names the role or permissions to grant', async () => {
    kv.failNext({ method: 'POST', path: /\/import$/, status: 403 });
    const e = await rejection(target({ certificateName: 'forbidden' }).deploy(bundle('web', ca.issue(['a.test']), ['a.test']), ctx));
    assert.equal(e.code, 'DEPLOY_FAILED');
    assert.match(e.message, /403 Forbidden\/ForbiddenByRbac/);
    assert.match(e.message, /Key Vault Certificates Officer/);
    assert.match(e.message, /import and get/);
  });

  it('a 404 on import points at vaultUrl and certificateName', async () => {
    kv.failNext({ method: 'POST', path: /\/import$/, status: 404 });
    const e = await rejection(target({ certificateName: 'nowhere' }).deploy(bundle('web', ca.issue(['a.test']), ['a.test']), ctx));
    assert.match(e.message, /404/);
    assert.match(e.message, /check vaultUrl .* and certificateName/);
  });

  it('throttling with a short Retry-After is waited out within the run', async () => {
    kv.failNext({ method: 'POST', path: /\/import$/, status: 429, headers: { 'retry-after': '1' }, times: 2 });
    const c = ca.issue(['a.test']);
    const started = Date.now();
    await target({ certificateName: 'throttled' }).deploy(bundle('web', c, ['a.test']), ctx);
    assert.ok(Date.now() - started >= 2000, 'it waited as asked');
    assert.equal(kv.latest('throttled')?.tags[TAGS.serial], c.serial);
  });

  it('throttling longer than maxRetryWait fails the deploy at once, keeping Retry-After for the next run', async () => {
    kv.failNext({ method: 'POST', path: /\/import$/, status: 429, headers: { 'retry-after': '120' } });
    const started = Date.now();
    const e = await rejection(target({ certificateName: 'throttled-long' }).deploy(bundle('web', ca.issue(['a.test']), ['a.test']), ctx));
    // Half the Retry-After, not a tight bound: waiting it out would take 120s, and a loaded
    // machine must not turn a prompt failure into a red test.
    assert.ok(Date.now() - started < 60_000, 'it did not wait two minutes');
    assert.equal(e.retryAfterSeconds, 120);
    assert.equal(e.retryable, true);
    assert.match(e.message, /throttling \(429, Retry-After 120s\).*next run retries with the same certificate/);
  });

  it('a wrong client secret says which credential failed, without quoting any secret', async () => {
    const e = await rejection(
      target({
        certificateName: 'bad-secret',
        credential: { type: 'client-secret', tenantId: kv.tenantId, clientId: CLIENT_ID, clientSecret: 'wrong-secret-value-1234', authorityHost: kv.authorityHost },
      }).currentSerial(ctx),
    );
    assert.match(e.message, /cannot get a token for Key Vault with credential type client-secret/);
    assert.match(e.message, /clientSecret/);
    assert.doesNotMatch(e.message, /wrong-secret-value-1234/);
  });

  it('without caBundle, the TLS failure says to set caBundle', async () => {
    const e = await rejection(target({ certificateName: 'tls', caBundle: undefined }).currentSerial(ctx));
    assert.match(e.message, /TLS to the vault 127\.0\.0\.1:\d+ failed \([A-Z_]+\): .*set caBundle/);
  });

  it('an auth challenge for another domain says to set disableChallengeResourceVerification', async () => {
    const e = await rejection(target({ certificateName: 'challenge', disableChallengeResourceVerification: false }).currentSerial(ctx));
    assert.match(e.message, /disableChallengeResourceVerification: true/);
  });

  it('a vault that refuses connections is named, with what to check', async () => {
    const e = await rejection(target({ vaultUrl: 'https://127.0.0.1:1' }).currentSerial(ctx));
    assert.match(e.message, /cannot connect to the vault 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });

  it('a vault that accepts connections and never answers fails within the target timeout (issue 16)', async () => {
    const silent = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const e = await rejection(target({ vaultUrl: `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, timeout: '1s' }).currentSerial(ctx));
      assert.match(e.message, /Key Vault did not answer within 1s/);
      assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    } finally {
      silent.close();
    }
  });

  describe('adoption', () => {
    it('hands over a valid certificate and its key from the secret, and tags the version', async () => {
      const c = ca.issue(['adopt.test']);
      const seeded = kv.seed('adopt-me', c.fullchainPem, c.keyPem);
      const found = await target({ certificateName: 'adopt-me' }).adopt(['adopt.test'], ctx);
      assert.ok(found, 'adopted');
      const leaf = new X509Certificate(found.fullchainPem);
      assert.equal(leaf.serialNumber.replace(/^0+/, ''), c.serial);
      assert.ok(leaf.checkPrivateKey(createPrivateKey(found.keyPem)));
      assert.equal(found.fullchainPem.match(/BEGIN CERTIFICATE/g)?.length, 2, 'with its chain');
      assert.ok(seeded.tags[TAGS.adoptedAt], 'the version is marked as adopted');
      assert.equal(kv.versions('adopt-me').length, 1, 'nothing imported');
    });

    it('adopts an RSA certificate too', async () => {
      const c = ca.issue(['rsa.test'], { key: 'rsa' });
      kv.seed('adopt-rsa', c.fullchainPem, c.keyPem);
      const found = await target({ certificateName: 'adopt-rsa' }).adopt(['rsa.test'], ctx);
      assert.ok(found && new X509Certificate(found.fullchainPem).checkPrivateKey(createPrivateKey(found.keyPem)));
    });

    const cases: [string, () => void, Record<string, unknown>][] = [
      ['does not adopt a certificate that misses a configured name', () => kv.seed('adopt-names', ca.issue(['other.test']).fullchainPem, ca.issue(['x.test']).keyPem), { certificateName: 'adopt-names' }],
      ['does not adopt an expired certificate', () => { const c = ca.issue(['adopt.test'], { days: -1 }); kv.seed('adopt-expired', c.fullchainPem, c.keyPem); }, { certificateName: 'adopt-expired' }],
      ['does not adopt a disabled version', () => { const c = ca.issue(['adopt.test']); kv.seed('adopt-disabled', c.fullchainPem, c.keyPem).enabled = false; }, { certificateName: 'adopt-disabled' }],
      ['does not adopt when adopt is false', () => { const c = ca.issue(['adopt.test']); kv.seed('adopt-off', c.fullchainPem, c.keyPem); }, { certificateName: 'adopt-off', adopt: false }],
      ['does not adopt when there is nothing in the vault', () => undefined, { certificateName: 'adopt-nothing' }],
      ['does not adopt (and warns) when the secret may not be read', () => { const c = ca.issue(['adopt.test']); kv.seed('adopt-403', c.fullchainPem, c.keyPem); kv.failNext({ path: /^\/secrets\//, status: 403 }); }, { certificateName: 'adopt-403' }],
    ];
    for (const [name, setup, over] of cases) {
      it(name, async () => {
        setup();
        assert.equal(await target(over).adopt(['adopt.test'], ctx), undefined);
      });
    }
  });

  describe('the local Key Vault behaves like the service for the real SDK', () => {
    it('lists certificates and versions across pages (nextLink)', async () => {
      const { CertificateClient } = await import('@azure/keyvault-certificates');
      const { ClientSecretCredential } = await import('@azure/identity');
      const tlsOptions = { ca: [fs.readFileSync(kv.caFile, 'utf8')] };
      const credential = new ClientSecretCredential(kv.tenantId, CLIENT_ID, CLIENT_SECRET, { authorityHost: kv.authorityHost, disableInstanceDiscovery: true, tlsOptions });
      const client = new CertificateClient(kv.vaultUrl, credential, { tlsOptions, disableChallengeResourceVerification: true });
      const c = ca.issue(['pages.test']);
      kv.seed('paged', c.fullchainPem, c.keyPem);
      kv.seed('paged', ca.issue(['pages.test']).fullchainPem, ca.issue(['pages.test']).keyPem);
      const versions = [];
      for await (const p of client.listPropertiesOfCertificateVersions('paged')) versions.push(p.version);
      assert.equal(versions.length, 2);
      const names = [];
      for await (const p of client.listPropertiesOfCertificates()) names.push(p.name);
      assert.ok(names.includes('paged') && names.includes('www-example-com'));
      assert.ok(kv.requests.some((r) => r.rawQuery.includes('$skiptoken')), 'pages were followed');

      // PEM without a content type: the SDK drops `policy`, so the service reads PKCS#12 and refuses.
      const pem = Buffer.from(`${c.keyPem}${c.fullchainPem}`);
      await assert.rejects(
        client.importCertificate('pem-import', pem, { policy: { contentType: 'application/x-pem-file' } as never }),
        (err: { statusCode?: number }) => err.statusCode === 400,
      );
      // A PFX without its key is refused as well.
      const certOnly = execFileSync('openssl', ['pkcs12', '-export', '-nokeys', '-passout', 'pass:'], { input: c.fullchainPem, stdio: 'pipe' });
      await assert.rejects(client.importCertificate('no-key', certOnly), (err: { statusCode?: number; message?: string }) => err.statusCode === 400 && /Private key is not specified/.test(err.message ?? ''));
    });
  });
});

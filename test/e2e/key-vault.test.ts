/**
 * Key Vault end to end, through the CLI as an operator runs it: Pebble issues, certloop imports
 * into the local Key Vault with the real Azure SDKs, a TLS endpoint picks the latest version up
 * after a delay (as Application Gateway does), and certloop reports pending, then verified.
 * Each credential flow runs in its own CLI process (msal-node caches the managed-identity source
 * per process).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTestCa, type TestCa } from '../support/keyvault/certs.js';
import { startPicker, type Picker } from '../support/keyvault/picker.js';
import { startFakeKeyVault, type FakeKeyVault } from '../support/keyvault/server.js';
import { capturedOutput, cli, tempDir } from '../support/lab.js';
import { waitFor } from '../support/net.js';
import { startPebble, type Pebble } from '../support/pebble.js';

const CLIENT_ID = 'certloop-app';
const CLIENT_SECRET = 'e2e-client-secret-Q7v9w2';
const PFX_PASSWORD = 'e2e-pfx-password-K3m8';
const MI_CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const NAME = 'web-a-test';

describe('Key Vault target end to end', () => {
  let dir: string;
  let pebble: Pebble;
  let kv: FakeKeyVault;
  let picker: Picker;
  let ca: TestCa;
  const env = { KV_CLIENT_SECRET: CLIENT_SECRET };

  const vaultTarget = (credential: string, extra = '') => `      - type: key-vault
        vaultUrl: ${kv.vaultUrl}
        certificateName: ${NAME}
        credential: ${credential}
        caBundle: ${kv.caFile}
        disableChallengeResourceVerification: true
        password: \${file:./pfx-password}
        maxRetryWait: 2s
${extra}`;
  const clientSecret = () => `{ type: client-secret, tenantId: ${kv.tenantId}, clientId: ${CLIENT_ID}, clientSecret: "\${env:KV_CLIENT_SECRET}", authorityHost: "${kv.authorityHost}" }`;

  // The endpoint first serves a certificate from the test CA (what the gateway had before), then
  // Pebble's: both must be trusted, or verification rightly raises an untrusted-chain alert.
  function trustFile(): string {
    const p = path.join(dir, 'trust.pem');
    fs.writeFileSync(p, fs.readFileSync(pebble.rootFile, 'utf8') + fs.readFileSync(ca.rootFile, 'utf8'));
    return p;
  }

  function writeConfig(file: string, certificates: string): string {
    const p = path.join(dir, file);
    fs.writeFileSync(
      p,
      `acme:
  directory: ${pebble.directory}
  staging: ${pebble.directory}
  email: ops@example.com
  caBundle: ${pebble.caBundleFile}
state: ./${file.replace(/\.yaml$/, '')}.db
certificates:
${certificates}`,
    );
    return p;
  }

  const webConfig = () =>
    writeConfig(
      'certloop.yaml',
      `  - name: web
    domains: [a.test, b.test]
    challenge: { type: http-01, listen: 127.0.0.1:${pebble.httpPort} }
    targets:
${vaultTarget(clientSecret())}    verify:
      endpoints:
        - { host: 127.0.0.1, port: ${picker.port}, sni: a.test }
      trust: ${trustFile()}
      pollFor: 1s
    policy: azure-app-gateway
`,
    );

  before(async () => {
    dir = tempDir('key-vault');
    fs.writeFileSync(path.join(dir, 'pfx-password'), `${PFX_PASSWORD}\n`, { mode: 0o600 });
    ca = makeTestCa(path.join(dir, 'ca'));
    [pebble, kv] = await Promise.all([
      startPebble({ dir: path.join(dir, 'pebble') }),
      startFakeKeyVault({ dir: path.join(dir, 'vault'), clients: { [CLIENT_ID]: CLIENT_SECRET }, managedIdentities: ['system', MI_CLIENT_ID] }),
    ]);
    picker = await startPicker(kv, NAME, ca.issue(['a.test']), { delayMs: 2500 });
  });
  after(async () => {
    await Promise.all([picker?.stop(), kv?.stop(), pebble?.stop()]);
    const all = capturedOutput.join('\n');
    assert.doesNotMatch(all, new RegExp(`${CLIENT_SECRET}|${PFX_PASSWORD}|PRIVATE KEY`), 'no secret reached any output');
  });

  it('imports into Key Vault, stays pending until the endpoint picks the version up, then verifies', async () => {
    const config = webConfig();
    const first = await cli(['-c', config, 'run', '--json'], { env });
    // Application Gateway polls Key Vault every 4 h: its policy keeps the certificate pending
    // (exit 0, no alert) until its verify deadline instead of crying wolf on every run.
    assert.equal(first.code, 0, first.stderr);
    const web = first.json.certificates[0];
    assert.deepEqual(web.alerts, []);
    assert.equal(web.renewed, true);
    assert.equal(web.deployed, true);
    assert.equal(web.verdict, 'pending', 'Key Vault holds it, the endpoint does not serve it yet');
    assert.equal(web.verified, false);
    const latest = kv.latest(NAME)!;
    assert.equal(latest.tags['certloop-serial'], web.issuedSerial);
    assert.equal(latest.tags['certloop-domains'], 'a.test,b.test');

    const status = await cli(['-c', config, 'status', '--json'], { env });
    const s = status.json.certificates[0];
    assert.equal(s.state, 'Pending');
    assert.deepEqual(
      s.targets.map((t: { serial: string; version: string; error: string | null }) => [t.serial, t.version, t.error]),
      [[web.issuedSerial, latest.version, null]],
      'status shows the latest Key Vault version',
    );
    const text = await cli(['-c', config, 'status'], { env });
    assert.match(text.stdout, new RegExp(`target    Key Vault certificate "${NAME}" in \\S+ holds ${web.issuedSerial.slice(0, 16)}.* \\(version ${latest.version}\\)`));

    await waitFor(() => picker.served() === web.issuedSerial, 15_000, 'the endpoint to pick up the new version');
    const second = await cli(['-c', config, 'run', '--json'], { env });
    assert.equal(second.code, 0, second.stderr);
    const again = second.json.certificates[0];
    assert.equal(again.verified, true);
    assert.equal(again.renewed, false);
    assert.equal(again.deployed, false);
    assert.equal(again.issuedSerial, web.issuedSerial, 'the same certificate');
    assert.equal(kv.versions(NAME).length, 1, 'nothing imported twice');
  });

  it('a drill imports into a sibling "-drill" object, never a new version of the real one', async () => {
    const config = webConfig();
    const before = kv.latest(NAME)!;
    const r = await cli(['-c', config, 'drill', 'web', '--json'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = r.json.certificates[0];
    assert.equal(report.passed, true, JSON.stringify(report.steps));
    assert.equal(report.steps.find((st: { step: string }) => st.step === 'deploy').status, 'pass');
    const drill = kv.latest(`${NAME}-drill`);
    assert.ok(drill, 'the drill object exists');
    assert.equal(drill.tags['certloop-serial'], report.drillSerial, 'the drill certificate went through the real import');
    assert.equal(kv.latest(NAME)!.version, before.version, 'the real object is untouched');
    assert.equal(kv.versions(NAME).length, 1);
  });

  it('throttling beyond maxRetryWait fails the deploy; the next run imports the same certificate', async () => {
    const config = webConfig();
    kv.failNext({ method: 'POST', path: /\/import$/, status: 429, headers: { 'retry-after': '300' } });
    const r = await cli(['-c', config, 'renew', 'web', '--force', '--json'], { env });
    assert.equal(r.code, 1);
    const web = r.json.certificates[0];
    assert.equal(web.verdict, 'failed');
    assert.equal(web.error.code, 'DEPLOY_FAILED');
    assert.match(web.error.message, /throttling \(429, Retry-After 300s\)/);
    assert.notEqual(kv.latest(NAME)!.tags['certloop-serial'], web.issuedSerial);

    const next = await cli(['-c', config, 'run', '--json'], { env });
    const again = next.json.certificates[0];
    assert.equal(again.renewed, false, 'no new order');
    assert.equal(again.deployed, true);
    assert.equal(again.issuedSerial, web.issuedSerial);
    assert.equal(kv.latest(NAME)!.tags['certloop-serial'], web.issuedSerial);
  });

  it('a missing permission fails the deploy with the role to grant', async () => {
    const config = webConfig();
    kv.failNext({ method: 'POST', path: /\/import$/, status: 403 });
    const r = await cli(['-c', config, 'renew', 'web', '--force', '--json'], { env });
    assert.equal(r.code, 1);
    assert.match(r.json.certificates[0].error.message, /403 .*Key Vault Certificates Officer/);
  });

  it('adopts a valid certificate already in the vault on the first run, and deploys it to the other targets', async () => {
    const existing = ca.issue(['legacy.test']);
    const seeded = kv.seed('legacy', existing.fullchainPem, existing.keyPem);
    const config = writeConfig(
      'adopt.yaml',
      `  - name: legacy
    domains: [legacy.test]
    challenge: { type: http-01, listen: 127.0.0.1:${pebble.httpPort} }
    targets:
      - type: key-vault
        vaultUrl: ${kv.vaultUrl}
        certificateName: legacy
        credential: ${clientSecret()}
        caBundle: ${kv.caFile}
        disableChallengeResourceVerification: true
      - type: file
        cert: ./legacy/fullchain.pem
        key: ./legacy/privkey.pem
    verify: { unverified: true }   # nothing serves it here: not verified, by choice
`,
    );
    const r = await cli(['-c', config, 'run', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const legacy = r.json.certificates[0];
    assert.equal(legacy.adopted, true);
    assert.equal(legacy.renewed, false, 'no order placed');
    assert.equal(legacy.issuedSerial, existing.serial);
    assert.equal(legacy.deployedSerial, existing.serial);
    assert.equal(kv.versions('legacy').length, 1, 'nothing imported into the vault');
    assert.ok(seeded.tags['certloop-adopted-at']);
    assert.equal(fs.readFileSync(path.join(dir, 'legacy', 'fullchain.pem'), 'utf8'), existing.fullchainPem.replace(/\r/g, ''));

    const status = await cli(['-c', config, 'status', '--json'], { env });
    assert.equal(status.json.certificates[0].conditions.find((c: { type: string }) => c.type === 'Issued').reason, 'Adopted');
  });

  const statusWith = (credential: string, processEnv: Record<string, string>) =>
    cli(['-c', writeConfig('identity.yaml', `  - name: web
    domains: [a.test, b.test]
    challenge: { type: http-01, listen: 127.0.0.1:${pebble.httpPort} }
    targets:
${vaultTarget(credential)}`), 'status', '--json'], { env: processEnv });

  it('a user-assigned managed identity (App Service endpoint) reads the vault', async () => {
    const before = kv.requests.length;
    const r = await statusWith(`{ type: managed-identity, clientId: "${MI_CLIENT_ID}" }`, { IDENTITY_ENDPOINT: kv.identityEndpoint, IDENTITY_HEADER: kv.identityHeader });
    const t = r.json.certificates[0].targets[0];
    assert.equal(t.error, null, t.error);
    assert.equal(t.serial, kv.latest(NAME)!.tags['certloop-serial']);
    assert.ok(kv.requests.slice(before).some((q) => q.caller === `mi:${MI_CLIENT_ID}`), 'the vault saw the managed identity token');
  });

  it('the default credential finds the managed identity in its environment', async () => {
    const before = kv.requests.length;
    const r = await statusWith('{ type: default }', { IDENTITY_ENDPOINT: kv.identityEndpoint, IDENTITY_HEADER: kv.identityHeader });
    const t = r.json.certificates[0].targets[0];
    assert.equal(t.error, null, t.error);
    assert.ok(kv.requests.slice(before).some((q) => q.caller === 'mi:system'));
  });

  it('a managed identity that is not there is reported as a credential problem, not a crash', async () => {
    const r = await statusWith(`{ type: managed-identity, clientId: "${MI_CLIENT_ID}" }`, { IDENTITY_ENDPOINT: kv.identityEndpoint, IDENTITY_HEADER: 'wrong-header' });
    const t = r.json.certificates[0].targets[0];
    assert.equal(t.serial, null);
    assert.match(t.error, /cannot get a token for Key Vault with credential type managed-identity/);
  });
});

/**
 * Key Vault as the source of truth (issue 18 §3), through the CLI as an operator runs it: certloop
 * issues nothing; each run reads the vault's latest enabled version with the real Azure SDK (from
 * the local Key Vault imitation) and checks that a "gateway" (a Node TLS server on loopback that
 * polls the vault and picks new versions up late, like Application Gateway) serves it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTestCa, type TestCa } from '../support/keyvault/certs.js';
import { startPicker, type Picker } from '../support/keyvault/picker.js';
import { startFakeKeyVault, type FakeKeyVault } from '../support/keyvault/server.js';
import { capturedOutput, cli, tempDir } from '../support/lab.js';
import { waitFor } from '../support/net.js';

const CLIENT_ID = 'certloop-reader';
const CLIENT_SECRET = 'e2e-source-secret-P4x7';
const DAY = 86_400_000;

describe('Key Vault as the source of a certificate certloop does not issue', () => {
  let dir: string;
  let kv: FakeKeyVault;
  let ca: TestCa;
  let gateway: Picker;
  let blackhole: net.Server;
  const held = new Set<net.Socket>();
  const env = { KV_SECRET: CLIENT_SECRET };
  const eventsFile = () => path.join(dir, 'events.log');

  /** One certificate read from `object` in `vaultUrl`, verified on the gateway. */
  function config(file: string, opts: { name?: string; object?: string; vaultUrl?: string; policy?: string; timeout?: string } = {}): string {
    const p = path.join(dir, file);
    fs.writeFileSync(
      p,
      `acme: { directory: "https://127.0.0.1:9/dir" }   # never contacted: nothing is issued
state: ./state.db
notify:
  - type: exec
    command: ["${process.execPath}", "./record-event.mjs"]
    events: [deployed, verified, verify_overdue, expiring_soon, failed, recovered]
certificates:
  - name: ${opts.name ?? 'web'}
    domains: [web.test]
    source:
      type: key-vault
      vaultUrl: ${opts.vaultUrl ?? kv.vaultUrl}
      certificateName: ${opts.object ?? 'web'}
      credential: { type: client-secret, tenantId: ${kv.tenantId}, clientId: ${CLIENT_ID}, clientSecret: "\${env:KV_SECRET}", authorityHost: "${kv.authorityHost}" }
      caBundle: ${kv.caFile}
      disableChallengeResourceVerification: true
      timeout: ${opts.timeout ?? '20s'}
    verify:
      endpoints: [{ host: 127.0.0.1, port: ${gateway.port}, sni: web.test }]
      trust: ${ca.rootFile}
      samples: 1
    policy: ${opts.policy ?? 'azure-app-gateway'}
`,
    );
    return p;
  }
  const events = () => (fs.existsSync(eventsFile()) ? fs.readFileSync(eventsFile(), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; certificate: string; message: string }) : []);
  const seed = (object: string, opts: Parameters<TestCa['issue']>[1] = {}) => {
    const c = ca.issue(['web.test'], opts);
    return { ...c, version: kv.seed(object, c.fullchainPem, c.keyPem).version };
  };

  let v1: ReturnType<typeof seed>;

  before(async () => {
    dir = tempDir('key-vault-source');
    ca = makeTestCa(path.join(dir, 'ca'));
    kv = await startFakeKeyVault({ dir: path.join(dir, 'vault'), clients: { [CLIENT_ID]: CLIENT_SECRET } });
    fs.writeFileSync(
      path.join(dir, 'record-event.mjs'),
      `import fs from 'node:fs';\nfs.appendFileSync(${JSON.stringify(path.join(dir, 'events.log'))}, process.env.CERTLOOP_EVENT_JSON + '\\n');\n`,
    );
    v1 = seed('web');
    gateway = await startPicker(kv, 'web', v1, { delayMs: 300, pollMs: 50 });
    // A vault that accepts connections and never answers.
    blackhole = net.createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    // close() waits for every connection: end the ones the blackhole holds.
    for (const socket of held) socket.destroy();
    await Promise.all([gateway?.stop(), kv?.stop(), new Promise((r) => (blackhole ? blackhole.close(r) : r(undefined)))]);
    assert.doesNotMatch(capturedOutput.join('\n'), new RegExp(`${CLIENT_SECRET}|PRIVATE KEY`), 'no secret reached any output');
  });

  it('a new version appears in the vault, stays pending under the gateway policy, and is verified once the gateway picks it up late', async () => {
    const file = config('certloop.yaml');
    const first = await cli(['-c', file, 'run', '--json'], { env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const c1 = first.json.certificates[0];
    assert.equal(c1.verdict, 'ready', JSON.stringify(c1));
    assert.equal(c1.renewed, false, 'certloop issues nothing');
    assert.equal(c1.reason, 'FromSource');
    assert.equal(c1.deployedSerial, v1.serial);
    assert.equal(c1.source.version, v1.version);

    // The gateway has not polled yet when the run looks: it picks the version up after that.
    gateway.freeze();
    const v2 = seed('web');
    const second = await cli(['-c', file, 'run', '--json', '--metrics-file', path.join(dir, 'metrics.prom')], { env });
    assert.equal(second.code, 0, 'pending within the deadline is not a failure');
    const c2 = second.json.certificates[0];
    assert.equal(c2.verdict, 'pending');
    assert.equal(c2.deployedSerial, v2.serial, 'the vault says what should be served');
    assert.equal(c2.source.version, v2.version);
    // azure-app-gateway: Application Gateway polls every 4 h; its verify deadline is 9 h.
    assert.equal(Date.parse(c2.deadline) - Date.parse(c2.source.currentSince), 9 * 3_600_000);
    assert.deepEqual(c2.alerts, []);
    assert.match(fs.readFileSync(path.join(dir, 'metrics.prom'), 'utf8'), /certloop_certificate_verification_pending_seconds\{certificate="web"\}/);

    const status = await cli(['-c', file, 'status'], { env });
    assert.match(status.stdout, new RegExp(`source    Key Vault certificate "web" in \\S+: version ${v2.version}, current since`));
    assert.match(status.stdout, /next      none: certloop does not issue this certificate/);
    const page = await cli(['-c', file, 'report', '--html', '-'], { env });
    assert.match(page.stdout, new RegExp(`Read from Key Vault certificate &quot;web&quot; in \\S+ \\(version ${v2.version}\\); certloop does not issue it`));

    gateway.thaw();
    await waitFor(() => gateway.served() === v2.serial, 15_000, 'the gateway to pick up the new version');
    const third = await cli(['-c', file, 'run', '--json'], { env });
    assert.equal(third.code, 0);
    assert.equal(third.json.certificates[0].verified, true);
    const seen = events().map((e) => e.type);
    assert.ok(seen.includes('deployed'), `a new vault version is announced (${seen.join(', ')})`);
    assert.ok(seen.includes('verified'));
    assert.ok(events().some((e) => e.type === 'deployed' && e.message.includes(`holds a new version ${v2.version}`)), 'naming the version');
  });

  it('then never: a version the vault holds and no endpoint serves past its deadline is verify_overdue', async () => {
    gateway.freeze();
    const file = config('overdue.yaml', { policy: '{ name: azure-app-gateway, verifyDeadline: 2s }' });
    const v3 = seed('web');
    const pending = await cli(['-c', file, 'run', '--json'], { env });
    assert.equal(pending.json.certificates[0].deployedSerial, v3.serial);
    const deadline = Date.parse(pending.json.certificates[0].deadline);
    await waitFor(() => Date.now() > deadline, 5000, 'the verify deadline to pass');
    const overdue = await cli(['-c', file, 'run', '--json'], { env });
    assert.equal(overdue.code, 1, 'overdue is an alert');
    const c = overdue.json.certificates[0];
    assert.equal(c.overdue, true);
    assert.equal(c.alerts[0].reason, 'Overdue');
    assert.match(c.alerts[0].message, new RegExp(`certificate ${v3.serial} is still not served everywhere`));
    assert.ok(events().some((e) => e.type === 'verify_overdue' && e.certificate === 'web'), 'notifiers hear it');
  });

  it('passes over a disabled latest version and one not valid yet, and says so', async () => {
    const file = config('overdue.yaml', { policy: '{ name: azure-app-gateway, verifyDeadline: 2s }' });
    const expected = kv.latest('web')!;
    const disabled = seed('web');
    const v = kv.versions('web').find((x) => x.version === disabled.version)!;
    v.enabled = false;
    v.updated = Math.floor(Date.now() / 1000) + 1; // created in the same second: disabled after it
    const later = seed('web', { from: new Date(Date.now() + DAY) });
    // Creation times have one-second steps: make the order unambiguous.
    kv.versions('web').find((x) => x.version === later.version)!.created += 2;
    const r = await cli(['-c', file, 'run', '--json'], { env });
    const c = r.json.certificates[0];
    assert.equal(c.source.version, expected.version, 'the latest enabled version that is valid now');
    assert.deepEqual(
      c.source.skipped.map((s: { version: string; reason: string }) => [s.version, s.reason.split(' ')[0]]),
      [[later.version, 'not'], [disabled.version, 'disabled']],
    );
    const status = await cli(['-c', file, 'status'], { env });
    assert.match(status.stdout, new RegExp(`skipped   version ${disabled.version}: disabled`));
  });

  it('a latest version near its expiry with nothing newer is expiring_soon for the vault before any endpoint serves it', async () => {
    seed('old', { from: new Date(Date.now() - 10 * DAY), until: new Date(Date.now() + DAY) });
    const file = config('old.yaml', { name: 'old', object: 'old' });
    const r = await cli(['-c', file, 'run', '--json'], { env });
    assert.equal(r.code, 1, 'an alert: someone must renew it in Key Vault');
    const c = r.json.certificates[0];
    assert.equal(c.verdict, 'pending', 'no endpoint serves it yet');
    const alert = c.alerts.find((a: { reason: string }) => a.reason === 'SourceExpiring');
    assert.ok(alert, JSON.stringify(c.alerts));
    assert.match(alert.message, /Key Vault certificate "old" in \S+ holds no version newer than \S+, which expires in 1 day\(s\)/);
    assert.ok(events().some((e) => e.type === 'expiring_soon' && e.certificate === 'old'));
  });

  it('a vault that never answers fails the run within the source timeout, with a clear error', async () => {
    const port = (blackhole.address() as net.AddressInfo).port;
    const file = config('down.yaml', { name: 'down', vaultUrl: `https://127.0.0.1:${port}`, timeout: '1s' });
    const started = Date.now();
    const r = await cli(['-c', file, 'run', '--json'], { env });
    assert.ok(Date.now() - started < 15_000, 'bounded by the 1s timeout');
    assert.equal(r.code, 1);
    const c = r.json.certificates[0];
    assert.equal(c.verdict, 'failed');
    assert.equal(c.error.code, 'SOURCE_FAILED');
    assert.equal(c.error.step, 'observe');
    assert.match(c.error.message, /Key Vault did not answer within 1s while trying to list the versions of certificate "web"/);
    const status = await cli(['-c', file, 'status', '--json'], { env });
    assert.equal(status.json.certificates[0].state, 'Failed');
  });

  it('renew --force explains that certloop does not issue it, and drill and rollback refuse', async () => {
    const file = config('certloop.yaml');
    const r = await cli(['-c', file, 'renew', 'web', '--force'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /certloop does not issue web: its source is Key Vault certificate "web" in \S+\. Renew it there/);
    const drill = await cli(['-c', file, 'drill', 'web'], { env });
    assert.equal(drill.code, 2);
    assert.match(drill.stderr, /nothing to drill for web/);
    const rollback = await cli(['-c', file, 'rollback', 'web', '--json'], { env });
    assert.equal(rollback.code, 1, rollback.stdout + rollback.stderr);
    assert.match(rollback.stdout + rollback.stderr, /disable the newer versions there/);
  });
});

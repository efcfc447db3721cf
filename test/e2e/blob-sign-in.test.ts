/**
 * The Azure Blob state store signs in with the credential every Azure part shares
 * (src/azure/credential.ts), `authorityHost` included: Azurite over HTTPS checking bearer tokens
 * (`--oauth basic`), and the Key Vault imitation's token authority as the private authority. The
 * built CLI runs with both listener CAs trusted through NODE_EXTRA_CA_CERTS, as an operator would
 * trust a private CA.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { startFakeKeyVault, type FakeKeyVault } from '../support/keyvault/server.js';
import { cli, ROOT, tempDir } from '../support/lab.js';
import { makeListenerCertificate } from '../support/pebble.js';

const CLIENT_ID = 'certloop-state';
const CLIENT_SECRET = 'blob-test-client-secret-QRS456';

describe('Azure Blob state signs in at a private authority (client-secret with authorityHost)', () => {
  let dir: string;
  let kv: FakeKeyVault;
  let azurite: Azurite;
  let trust: string;

  before(async () => {
    dir = tempDir('blob-sign-in');
    const tls = makeListenerCertificate(path.join(dir, 'azurite-tls'));
    [kv, azurite] = await Promise.all([
      startFakeKeyVault({ dir: path.join(dir, 'authority'), clients: { [CLIENT_ID]: CLIENT_SECRET } }),
      startAzurite(path.join(dir, 'azurite'), { https: { cert: tls.cert, key: tls.key } }),
    ]);
    trust = path.join(dir, 'trust.pem');
    fs.writeFileSync(trust, fs.readFileSync(kv.caFile, 'utf8') + fs.readFileSync(tls.ca, 'utf8'));
  });
  after(async () => {
    await Promise.all([kv?.stop(), azurite?.stop()]);
  });

  function state(secretEnv: string, container: string): string {
    return `state:
  type: azure-blob
  url: ${azurite.blobEndpoint}
  container: ${container}
  timeout: 10s
  credential: { type: client-secret, tenantId: ${kv.tenantId}, clientId: ${CLIENT_ID}, clientSecret: "\${env:${secretEnv}}", authorityHost: "${kv.authorityHost}" }
`;
  }

  function writeConfig(name: string, container: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(
      file,
      `acme:
  directory: https://127.0.0.1:1/dir
${state('BLOB_CLIENT_SECRET', container)}certificates:
  - name: web
    domains: [web.test]
    challenge: { type: http-01, listen: 127.0.0.1:1 }
    targets: [{ type: file, cert: ./live/web.pem, key: ./live/web.key }]
    verify: { unverified: true }
`,
    );
    return file;
  }

  const tokenRequests = () => kv.requests.filter((r) => r.method === 'POST' && r.path === `/${kv.tenantId}/oauth2/v2.0/token`);

  it('status reads the state with a token from the configured authority', async () => {
    const before = tokenRequests().length;
    const r = await cli(['--config', writeConfig('status.yaml', 'status'), 'status', '--json'], {
      env: { NODE_EXTRA_CA_CERTS: trust, BLOB_CLIENT_SECRET: CLIENT_SECRET },
    });
    const json = r.json as { certificates?: { name: string; state: string }[] } | undefined;
    assert.deepEqual(json?.certificates?.map((c) => [c.name, c.state]), [['web', 'New']], r.stdout + r.stderr);
    assert.ok(tokenRequests().slice(before).some((t) => t.status === 200), 'a token was issued by the configured authority');
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(CLIENT_SECRET));
  });

  it('the store writes, reads and leases through that token', async () => {
    // The store itself, as a run uses it, from a process that trusts the two private CAs (not
    // spawnSync: the token authority answers from this process).
    const script = `
      const { parseConfigText } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/config/load.js'))});
      const { openStore } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/state/open.js'))});
      const { emptyRecord } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/state/record.js'))});
      const c = parseConfigText(${JSON.stringify(fs.readFileSync(writeConfig('store.yaml', 'store'), 'utf8'))}, ${JSON.stringify(path.join(dir, 'store.yaml'))});
      const store = openStore(c.state);
      await store.put(emptyRecord('web', new Date()));
      const lease = await store.acquireLock('web', 'owner-1', 15000);
      console.log(JSON.stringify({ read: (await store.get('web'))?.name, leased: lease !== undefined }));
      await lease?.release();
      await store.close();
    `;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: trust, BLOB_CLIENT_SECRET: CLIENT_SECRET }, timeout: 60_000 },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      ),
    );
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), { read: 'web', leased: true });
  });

  it('a wrong client secret is refused by that authority: a state failure that never prints the secret', async () => {
    const wrong = 'wrong-blob-secret-value-7890';
    const before = tokenRequests().length;
    const r = await cli(['--config', writeConfig('wrong.yaml', 'wrong'), 'status', '--json'], {
      env: { NODE_EXTRA_CA_CERTS: trust, BLOB_CLIENT_SECRET: wrong },
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /STATE_FAILED: azure-blob state: .*AuthenticationRequiredError/);
    assert.ok(tokenRequests().slice(before).some((t) => t.status === 401), 'the configured authority refused the secret');
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(wrong));
  });
});

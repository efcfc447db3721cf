import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import acme from 'acme-client';
import { accountClient, trustAcmeServer } from '../../../src/acme/client.js';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { tempDir } from '../../support/workspace.js';
import { startPebble, type Pebble } from '../../support/pebble.js';
import { startAriProxy } from '../../support/ari-proxy.js';
import { CertloopError } from '../../../src/errors.js';

describe('the ACME client against Pebble', () => {
  const dir = tempDir('acme-client');
  let pebble: Pebble;
  let store: SqliteStore;
  const requests: string[] = [];
  const interceptor = acme.axios.interceptors.request.use((config) => {
    requests.push(`${config.method?.toUpperCase()} ${new URL(config.url ?? '').pathname}`);
    return config;
  });

  before(async () => {
    // Nonce rejection on (Pebble's default 5% is too rare to see): a rejected nonce is retried.
    pebble = await startPebble({ dir: path.join(dir, 'pebble'), nonceRejectPercent: 20 });
    store = new SqliteStore(path.join(dir, 'certloop.db'));
    trustAcmeServer(pebble.caBundleFile);
  });
  after(async () => {
    acme.axios.interceptors.request.eject(interceptor);
    await store?.close();
    await pebble?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('signs each request with a nonce from the answer before (RFC 8555 §7.2), not a HEAD newNonce per request', async () => {
    const client = await accountClient({ directory: pebble.directory, email: 'ops@example.com', store });
    requests.length = 0;
    for (let i = 0; i < 10; i++) {
      const order = await client.createOrder({ identifiers: [{ type: 'dns', value: `n${i}.test` }] });
      await client.getAuthorizations(order);
    }
    const posts = requests.filter((r) => r.startsWith('POST')).length;
    const heads = requests.filter((r) => r.startsWith('HEAD')).length;
    assert.ok(posts >= 20, `${posts} POSTs`);
    // Without reuse every POST is preceded by a HEAD; with it only the first and those after a
    // rejected nonce that came without a fresh one.
    assert.ok(heads <= 3, `${heads} HEAD newNonce requests for ${posts} POSTs: ${requests.join(', ')}`);
  });

  it('a client opened before another process rolled the account key over is opened again, with the new key (issue 19)', async () => {
    const opts = { directory: pebble.directory, email: 'ops@example.com', store };
    const before = await accountClient(opts);
    const stored = (await store.getAccount(pebble.directory))!;
    // The other process (`certloop account rollover` beside a daemon): keyChange at the CA, then the new key in the shared state.
    const other = new acme.Client({ directoryUrl: pebble.directory, accountKey: stored.keyPem, accountUrl: stored.url });
    const newKey = (await acme.crypto.createPrivateEcdsaKey()).toString();
    await other.updateAccountKey(newKey);
    await store.putAccount({ ...stored, keyPem: newKey });
    await assert.rejects(before.createOrder({ identifiers: [{ type: 'dns', value: 'stale.test' }] }), 'the client opened before signs with a key the CA refuses now');

    const after = await accountClient(opts);
    assert.notEqual(after, before);
    const order = await after.createOrder({ identifiers: [{ type: 'dns', value: 'fresh.test' }] });
    assert.equal(order.status, 'pending');
    assert.equal(after.getAccountUrl(), stored.url);
  });

  it('asks newAccount again after a server error: the CA returns the account a racing process registered (RFC 8555 §7.3.1)', async () => {
    const proxy = await startAriProxy(pebble);
    try {
      proxy.failNewAccounts(2);
      const client = await accountClient({ directory: proxy.directory, email: 'ops@example.com', store });
      assert.match(client.getAccountUrl(), /^https:\/\/127\.0\.0\.1:/);
      // Three, or more when Pebble rejects the nonce of the forwarded one (nonceRejectPercent above) and it is sent again.
      assert.ok(proxy.newAccountRequests >= 3, `two refused, then answered: ${proxy.newAccountRequests} requests`);
      assert.ok((await store.getAccount(proxy.directory))?.url, 'the account URL is stored');
    } finally {
      await proxy.stop();
    }
  });

  it('gives up after three server errors with ACME_ACCOUNT naming the directory', async () => {
    const proxy = await startAriProxy(pebble);
    try {
      proxy.failNewAccounts(10);
      await assert.rejects(
        accountClient({ directory: proxy.directory, email: 'ops@example.com', store }),
        (err: unknown) => err instanceof CertloopError && err.code === 'ACME_ACCOUNT' && err.message.includes(proxy.directory) && /500/.test(err.message),
      );
      assert.equal(proxy.newAccountRequests, 3);
    } finally {
      await proxy.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { splitUrl } from '../../../src/state/blob-client.js';
import { describeState } from '../../../src/state/config.js';
import { openStore } from '../../../src/state/open.js';
import { SqliteStore } from '../../../src/state/sqlite.js';

const REST = `certificates:
  - name: web
    domains: [a.test]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets: [{ type: file, cert: ./c.pem, key: ./k.pem }]
`;

function config(state: string) {
  return parseConfigText(`acme: { directory: https://localhost:14000/dir }\n${state}\n${REST}`, '/etc/certloop/certloop.yaml');
}

function problems(state: string): string {
  try {
    config(state);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected the config to be rejected');
}

const SECRET_KEY = 'c2VjcmV0LWFjY291bnQta2V5LW5ldmVyLXByaW50ZWQ=';

describe('state: configuration', () => {
  const accepted: [string, string, unknown][] = [
    ['a path string is still the SQLite file, relative to the config folder', 'state: ./certloop.db', '/etc/certloop/certloop.db'],
    ['a typed sqlite store takes a path the same way', 'state: { type: sqlite, path: ./s.db }', { type: 'sqlite', path: '/etc/certloop/s.db' }],
    [
      'an azure-blob store with an account URL gets the default lease of 60 s',
      'state: { type: azure-blob, url: "https://acct.blob.core.windows.net", container: certs }',
      { type: 'azure-blob', url: 'https://acct.blob.core.windows.net', container: 'certs', leaseDuration: 60_000 },
    ],
    [
      'an azure-blob store takes a lease duration, a prefix and a workload identity',
      'state: { type: azure-blob, url: "https://acct.blob.core.windows.net", leaseDuration: 20s, prefix: prod, credential: { type: workload-identity } }',
      { type: 'azure-blob', url: 'https://acct.blob.core.windows.net', leaseDuration: 20_000, prefix: 'prod/', credential: { type: 'workload-identity' } },
    ],
    [
      'plain http is accepted for a local emulator',
      'state: { type: azure-blob, url: "http://127.0.0.1:10000/devstoreaccount1" }',
      { type: 'azure-blob', url: 'http://127.0.0.1:10000/devstoreaccount1', leaseDuration: 60_000 },
    ],
  ];
  for (const [name, yaml, expected] of accepted) {
    it(name, () => assert.deepEqual(config(yaml).state, expected));
  }

  const rejected: [string, string, RegExp][] = [
    ['a store with neither url nor connectionString says to give one', 'state: { type: azure-blob }', /state: give exactly one of url .* or connectionString/],
    ['an unknown store type lists the known ones', 'state: { type: s3, bucket: x }', /state.*unknown state type: expected sqlite or azure-blob/],
    ['a lease longer than Azure allows is refused', 'state: { type: azure-blob, url: "https://a.blob.core.windows.net", leaseDuration: 5m }', /state.leaseDuration: Azure leases last at most 60s/],
    ['a lease shorter than Azure allows is refused', 'state: { type: azure-blob, url: "https://a.blob.core.windows.net", leaseDuration: 5s }', /state.leaseDuration: Azure leases last at least 15s/],
    ['plain http to a real account is refused because the state holds private keys', 'state: { type: azure-blob, url: "http://a.blob.core.windows.net" }', /state.url: use https:\/\//],
    ['an invalid container name is explained', 'state: { type: azure-blob, url: "https://a.blob.core.windows.net", container: My_Certs }', /state.container: expected an Azure container name/],
    ['a misspelled field is named', 'state: { type: azure-blob, url: "https://a.blob.core.windows.net", contianer: x }', /unknown field "contianer"/],
  ];
  for (const [name, yaml, pattern] of rejected) {
    it(name, () => assert.match(problems(yaml), pattern));
  }

  it('an account key given with a wrong shape is never echoed back', () => {
    process.env.CERTLOOP_TEST_ACCOUNT_KEY = SECRET_KEY;
    try {
      const msg = problems('state: { type: azure-blob, url: "https://a.blob.core.windows.net", connectionString: "${env:CERTLOOP_TEST_ACCOUNT_KEY}" }');
      assert.match(msg, /give exactly one of url/);
      assert.ok(!msg.includes(SECRET_KEY));
      const c = config('state: { type: azure-blob, connectionString: "AccountName=a;AccountKey=${env:CERTLOOP_TEST_ACCOUNT_KEY}" }');
      assert.ok(c.secretPaths.includes('state.connectionString'));
      assert.ok(!describeState(c.state).includes(SECRET_KEY), describeState(c.state));
    } finally {
      delete process.env.CERTLOOP_TEST_ACCOUNT_KEY;
    }
  });

  it('openStore opens SQLite for a path and defers Azure until first use', async () => {
    const file = `/tmp/certloop-open-${process.pid}.db`;
    const s = openStore(file);
    assert.ok(s instanceof SqliteStore);
    await s.close();
    const blob = openStore(config('state: { type: azure-blob, url: "https://acct.blob.core.windows.net", leaseDuration: 30s }').state);
    assert.equal(blob.leaseRenewMs, 10_000, 'renew every third of the lease');
    await blob.close();
  });

  it('a malformed connection string is reported without quoting it', async () => {
    const s = openStore({ type: 'azure-blob', connectionString: `garbage;AccountKey=${SECRET_KEY}`, leaseDuration: 60_000 });
    await assert.rejects(s.get('web'), (e: Error) => /not a valid Azure Storage connection string/.test(e.message) && !e.message.includes(SECRET_KEY));
  });

  const urls: [string, string, string | undefined, { endpoint: string; container: string }][] = [
    ['an Azure container URL names the container', 'https://acct.blob.core.windows.net/certs', undefined, { endpoint: 'https://acct.blob.core.windows.net/', container: 'certs' }],
    ['an account URL takes the container setting', 'https://acct.blob.core.windows.net', 'x1', { endpoint: 'https://acct.blob.core.windows.net', container: 'x1' }],
    ['an emulator URL keeps its account path and defaults the container', 'http://127.0.0.1:10000/devstoreaccount1', undefined, { endpoint: 'http://127.0.0.1:10000/devstoreaccount1', container: 'certloop' }],
  ];
  for (const [name, url, container, expected] of urls) {
    it(name, () => assert.deepEqual(splitUrl(url, container), expected));
  }
});

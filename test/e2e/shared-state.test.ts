/**
 * Scale-out against shared state: several certloop processes (the built CLI, as an Indexed Job's
 * pods would run it) over one Azure Blob container (Azurite) and one Pebble. Certificates use
 * http-01 through a shared webroot served by a small web server on Pebble's validation port, and
 * file targets, so the test measures coordination rather than deployment.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobStore } from '../../src/state/blob.js';
import { DEV_KEY, startAzurite, type Azurite } from '../support/azurite.js';
import { capturedOutput, CLI, cli, tempDir, type CliResult } from '../support/lab.js';
import { waitFor } from '../support/net.js';
import { startPebble, type Pebble } from '../support/pebble.js';

const CERTS = 200;
const PROCESSES = 4;
/** Unsharded, every process contends for every certificate: fewer suffice to exercise the locks. */
const CONTENDED = 80;

/** Serves <webroot>/.well-known/acme-challenge/* the way a web server in front of the hosts would. */
function serveWebroot(webroot: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const m = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(url);
    const file = m ? path.join(webroot, '.well-known', 'acme-challenge', m[1]) : undefined;
    if (file && fs.existsSync(file)) res.writeHead(200).end(fs.readFileSync(file));
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function certificatesYaml(names: string[], opts: { reload?: string[] } = {}): string {
  return names
    .map(
      (n) => `  - name: ${n}
    domains: [${n}.test]
    challenge: { type: http-01, webroot: ./webroot }
    targets:
      - type: file
        cert: ./live/${n}/fullchain.pem
        key: ./live/${n}/privkey.pem
${opts.reload ? `        reload: ${JSON.stringify(opts.reload)}\n` : ''}    verify: { unverified: true }
`,
    )
    .join('');
}

describe('shared state on Azure Blob Storage (Azurite): sharding, locks, crashes', () => {
  let dir: string;
  let azurite: Azurite;
  let pebble: Pebble;
  let webServer: http.Server;
  const env = () => ({ CERTLOOP_TEST_BLOB: azurite.connectionString, CERTLOOP_LOG_LEVEL: 'warn' });

  before(async () => {
    dir = tempDir('shared-state');
    fs.mkdirSync(path.join(dir, 'webroot', '.well-known', 'acme-challenge'), { recursive: true });
    azurite = await startAzurite(path.join(dir, 'azurite'));
    pebble = await startPebble({ dir: path.join(dir, 'pebble') });
    webServer = await serveWebroot(path.join(dir, 'webroot'), pebble.httpPort);
  });
  after(async () => {
    await new Promise<void>((r) => (webServer ? webServer.close(() => r()) : r()));
    await pebble?.stop();
    await azurite?.stop();
  });

  function writeConfig(file: string, container: string, certificates: string, extra = ''): void {
    fs.writeFileSync(
      file,
      `acme:
  directory: ${pebble.directory}
  caBundle: ${pebble.caBundleFile}
state:
  type: azure-blob
  connectionString: \${env:CERTLOOP_TEST_BLOB}
  container: ${container}
  # One Azurite serves four processes of 16 workers each on a shared 2-core machine: its answers can
  # take longer than the default deadline under load, and this file tests sharding, not deadlines.
  timeout: 2m
${extra}concurrency: 16
certificates:
${certificates}`,
    );
  }

  function storeFor(container: string): BlobStore {
    return new BlobStore({ container: BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container) });
  }

  /** Checks the shared state: every certificate issued once, deployed, and its files written. */
  async function assertEachRenewedOnce(container: string, names: string[], workDir: string): Promise<void> {
    const store = storeFor(container);
    const records = await store.list();
    assert.deepEqual(records.map((r) => r.name), [...names].sort());
    const serials = new Set<string>();
    for (const r of records) {
      assert.ok(r.issued, `${r.name} has no certificate`);
      assert.equal(r.deployedSerial, r.issued.serial, `${r.name} is not deployed`);
      serials.add(r.issued.serial);
      const fullchain = fs.readFileSync(path.join(workDir, 'live', r.name, 'fullchain.pem'), 'utf8');
      assert.ok(fullchain.startsWith('-----BEGIN CERTIFICATE-----'));
    }
    assert.equal(serials.size, names.length, 'one distinct certificate per name');
    const orders = await Promise.all(names.map(async (n) => (await store.events(n, 50)).filter((e) => e.type === 'renewed').length));
    const twice = names.filter((_, i) => orders[i] !== 1);
    assert.deepEqual(twice, [], `certificates not ordered exactly once: ${twice.map((n) => `${n} (${orders[names.indexOf(n)]})`).join(', ')}`);
  }

  it(`${PROCESSES} processes with --shard i/${PROCESSES} over ${CERTS} certificates renew each exactly once`, async () => {
    const work = path.join(dir, 'sharded');
    fs.mkdirSync(work, { recursive: true });
    fs.symlinkSync(path.join(dir, 'webroot'), path.join(work, 'webroot'));
    const names = Array.from({ length: CERTS }, (_, i) => `s${String(i).padStart(3, '0')}`);
    const config = path.join(work, 'certloop.yaml');
    writeConfig(config, 'sharded', certificatesYaml(names));

    const runs = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => cli(['-c', config, 'run', '--shard', `${i}/${PROCESSES}`, '--json'], { env: env(), timeoutMs: 300_000 })),
    );
    runs.forEach((r, i) => assert.equal(r.code, 0, `shard ${i}: ${r.stderr.slice(-2000)}`));
    const covered = runs.flatMap((r) => r.json.certificates.map((c: { name: string }) => c.name));
    assert.equal(covered.length, CERTS, 'the shards together cover every certificate...');
    assert.equal(new Set(covered).size, CERTS, '...exactly once');
    runs.forEach((r, i) => {
      assert.deepEqual(r.json.shard, { index: i, count: PROCESSES });
      assert.ok(r.json.summary.total > 0, `shard ${i} got no certificate`);
      assert.equal(r.json.summary.renewed, r.json.summary.total);
      assert.equal(r.json.summary.locked, 0, 'shards never compete for a certificate');
    });
    await assertEachRenewedOnce('sharded', names, work);

    // A second pass of the whole Indexed Job finds nothing due and orders nothing.
    const again = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => cli(['-c', config, 'run', '--shard', `${i}/${PROCESSES}`, '--json'], { env: env(), timeoutMs: 300_000 })),
    );
    again.forEach((r) => assert.equal(r.code, 0, r.stderr.slice(-2000)));
    assert.equal(again.reduce((n, r) => n + r.json.summary.renewed, 0), 0);
  });

  it(`${PROCESSES} unsharded processes over the same ${CONTENDED} certificates: the locks keep it to one order each`, async () => {
    const work = path.join(dir, 'unsharded');
    fs.mkdirSync(work, { recursive: true });
    fs.symlinkSync(path.join(dir, 'webroot'), path.join(work, 'webroot'));
    const names = Array.from({ length: CONTENDED }, (_, i) => `u${String(i).padStart(3, '0')}`);
    const config = path.join(work, 'certloop.yaml');
    writeConfig(config, 'unsharded', certificatesYaml(names));

    const runs = await Promise.all(
      Array.from({ length: PROCESSES }, () => cli(['-c', config, 'run', '--json'], { env: env(), timeoutMs: 300_000 })),
    );
    runs.forEach((r, i) => assert.equal(r.code, 0, `process ${i}: ${r.stderr.slice(-2000)}`));
    const renewed = runs.reduce((n, r) => n + r.json.summary.renewed, 0);
    assert.equal(renewed, CONTENDED, 'each certificate renewed by exactly one process');
    await assertEachRenewedOnce('unsharded', names, work);
  });

  it('a process killed while holding a lease blocks the certificate only until the lease expires, and the work resumes', async () => {
    const work = path.join(dir, 'killed');
    fs.mkdirSync(work, { recursive: true });
    fs.symlinkSync(path.join(dir, 'webroot'), path.join(work, 'webroot'));
    const stuck = path.join(work, 'stuck.yaml');
    const normal = path.join(work, 'certloop.yaml');
    // The first process hangs in its reload (holding the lease) until it is killed.
    writeConfig(stuck, 'killed', certificatesYaml(['k1'], { reload: [process.execPath, '-e', 'setTimeout(() => {}, 120000)'] }), '  leaseDuration: 15s\n');
    writeConfig(normal, 'killed', certificatesYaml(['k1']), '  leaseDuration: 15s\n');
    const lockBlob = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('killed').getBlobClient('locks/k1');

    // Its own process group, so SIGKILL takes the reload child with it and leaves nothing behind.
    // It runs under another host name (a UTS namespace), as a pod on another node would: a holder
    // on this host whose pid is gone is taken over at once (src/controller/lease.ts), one elsewhere
    // only when its lease expires, which is what this test is about.
    const child = spawn('unshare', ['--uts', 'sh', '-c', 'hostname certloop-other-node && exec "$0" "$@"', process.execPath, CLI, '-c', stuck, 'run'], {
      env: { ...process.env, ...env() },
      stdio: 'ignore',
      detached: true,
    });
    try {
      const store = storeFor('killed');
      await waitFor(async () => (await store.get('k1'))?.issued !== undefined && (await lockBlob.getProperties()).leaseState === 'leased', 60_000, 'the first process to issue and start deploying');
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone: the wait above failed and says why.
      }
    }
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));

    const blocked: CliResult = await cli(['-c', normal, 'run', '--json'], { env: env() });
    // Inside the dead process's 15 s lease: the certificate is skipped, not worked on twice.
    assert.equal((await lockBlob.getProperties()).leaseState, 'leased', 'the run finished within the dead holder’s lease');
    assert.equal(blocked.json.certificates[0].reason, 'Locked', blocked.stdout);
    assert.equal(blocked.json.summary.deployed, 0);

    await waitFor(async () => (await lockBlob.getProperties()).leaseState !== 'leased', 30_000, 'the dead process’s lease to expire (15 s)');
    const resumed = await cli(['-c', normal, 'run', '--json'], { env: env() });
    assert.equal(resumed.code, 0, resumed.stderr);
    const k1 = resumed.json.certificates[0];
    assert.equal(k1.renewed, false, 'the certificate issued before the crash is deployed, not ordered again');
    assert.equal(k1.deployed, true);
    const store = storeFor('killed');
    const rec = (await store.get('k1'))!;
    assert.equal(rec.deployedSerial, rec.issued!.serial);
    assert.equal((await store.events('k1', 10)).filter((e) => e.type === 'renewed').length, 1);
  });

  it('the storage account key in the connection string never reached any output', () => {
    assert.ok(capturedOutput.length > 0);
    for (const out of capturedOutput) {
      assert.ok(!out.includes(DEV_KEY) && !out.includes('AccountKey='), 'a CLI output contains the storage account key');
    }
  });
});

/**
 * Probes on worker threads give the same results as probes on the main thread: real TLS (and
 * SMTP STARTTLS) servers on loopback, more probes than the process runs on its own thread.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../support/net.js';
import { makeListenerCertificate } from '../../support/pebble.js';
import { tempDir } from '../../support/lab.js';
import { startStartTlsServer, startTlsServer, type TestServer } from '../../support/tls-servers.js';
import { probe, type ProbeTarget } from '../../../src/verify/probe.js';
import { fromWire, probeAnywhere, probeStats, toWire } from '../../../src/verify/probe-pool.js';

describe('probe pool (worker threads)', () => {
  let https: TestServer;
  let smtp: TestServer;
  let source: { certPem: string; keyPem: string };
  const dir = tempDir('probe-pool');

  before(async () => {
    process.env.CERTLOOP_PROBE_THREADS = '2';
    const files = makeListenerCertificate(dir);
    source = { certPem: fs.readFileSync(files.cert, 'utf8'), keyPem: fs.readFileSync(files.key, 'utf8') };
    https = await startTlsServer('127.0.0.1', source);
    smtp = await startStartTlsServer('smtp', source);
  });
  after(async () => {
    delete process.env.CERTLOOP_PROBE_THREADS;
    await https?.stop();
    await smtp?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const target = (port: number, extra: Partial<ProbeTarget> = {}): ProbeTarget => ({ host: 'localhost', port, sni: 'localhost', address: '127.0.0.1', timeoutMs: 5000, ...extra });
  const comparable = (r: Awaited<ReturnType<typeof probe>>) => ({
    ok: r.ok,
    error: r.error,
    stage: r.stage,
    address: r.address,
    port: r.port,
    sni: r.sni,
    leaf: r.leaf,
    certs: r.certs?.map((c) => c.fingerprint256),
    leafPem: r.leafPem,
    chainPem: r.chainPem,
  });

  it('a result survives the trip between threads unchanged', async () => {
    const r = await probe(target(https.port));
    assert.equal(r.ok, true);
    assert.deepEqual(comparable(fromWire(structuredClone(toWire(r)))), comparable(r));
  });

  it('past the first probes, sweeps run on the workers and bring back what the main thread would', async () => {
    const refused = await freePort();
    const targets = Array.from({ length: 150 }, (_, i) =>
      i % 10 === 9 ? target(refused) : i % 10 === 8 ? target(smtp.port, { starttls: 'smtp' }) : target(https.port),
    );
    const here = await Promise.all(targets.slice(0, 10).map((t) => probe(t)));
    const results = await Promise.all(targets.map((t) => probeAnywhere(t)));
    const stats = probeStats();
    assert.equal(stats.workers, 2);
    assert.ok(stats.inWorkers >= 80, `only ${stats.inWorkers} of ${stats.probes} probes ran on workers`);
    for (const [i, r] of results.entries()) assert.deepEqual(comparable(r), comparable(here[i % 10]), `probe ${i}`);
    assert.equal(results[9].error, 'connection refused');
    assert.equal(results[8].leaf?.serial, here[0].leaf?.serial, 'STARTTLS through a worker');
  });
});

/**
 * `npm run bench:verify`: how fast certloop sweeps 1,000 addresses, against the same sweep with a
 * bare Node `tls.connect` loop at the same concurrency (the floor: what any Node verifier pays) and
 * an `openssl s_client` loop (what shell-based clients do, one process per probe).
 *
 * The 1,000 addresses are 20 addresses 127.0.0.1..127.0.0.20 served by nginx (the Debian package;
 * `--servers node`: one Node process with a TLS server per address, as before) probed 50 times
 * each: every probe is a full TCP connect + TLS handshake + chain read, which is what costs. openssl is
 * slow enough that a sample of 40 probes is timed and extrapolated to 1,000 (said in the output).
 *
 * The sweep is timed twice: one connection per address with the default hello only (the probe as
 * it was before issue 15), and with verification's default sampling (issue 15: 3 default hellos,
 * then an RSA-only and an ECDSA-only one per address; the servers hold an ECDSA certificate, so the
 * RSA-only hello is refused after its ClientHello). The sampled sweep is compared per connection.
 *
 * Targets (issues 5, 15): certloop ≥ 1× the bare loop per connection, ≥ 50× the openssl loop.
 * Appends a line to bench/RESULTS.md with the date and the core count.
 */
import { execFile, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { loadRoots, verifyEndpoints, DEFAULT_PROBE_CONCURRENCY } from '../src/verify/verify.js';
import { VerifyConfig } from '../src/config/schema.js';
import { DEFAULT_POLICY } from '../src/policy/defaults.js';
import { makeListenerCertificate } from '../test/support/pebble.js';
import { startNginxEndpoints } from './support/nginx-endpoints.js';
import type { EndpointConfig } from '../src/config/schema.js';

const PROBES = Number(process.env.BENCH_PROBES ?? 1000);
const SERVERS = 20;
const OPENSSL_SAMPLE = Number(process.env.BENCH_OPENSSL_SAMPLE ?? 40);
const CONCURRENCY = DEFAULT_PROBE_CONCURRENCY;
/** verify.samples when the config does not say. */
const DEFAULT_SAMPLES = VerifyConfig.shape.samples.parse(undefined);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-bench-verify-'));
  const { ca, cert, key } = makeListenerCertificate(dir);
  // --servers node: the earlier bench's Node TLS servers (one process) instead of nginx.
  const kind = process.argv.includes('--servers') ? process.argv[process.argv.indexOf('--servers') + 1] : 'nginx';
  let stopServers = () => {};
  try {
    let endpoints: { address: string; port: number }[];
    if (kind === 'node') {
      const child = fork(path.join(here, 'verify-servers.js'), [cert, key, String(SERVERS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      stopServers = () => child.disconnect();
      ({ endpoints } = await new Promise<{ endpoints: { address: string; port: number }[] }>((resolve, reject) => {
        child.once('message', (m) => resolve(m as { endpoints: { address: string; port: number }[] }));
        child.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
      }));
    } else {
      const nginx = await startNginxEndpoints(dir, cert, key, SERVERS);
      stopServers = () => nginx.stop();
      endpoints = nginx.endpoints;
    }
    const targets = Array.from({ length: PROBES }, (_, i) => endpoints[i % endpoints.length]);
    const config: EndpointConfig[] = targets.map((t) => ({ host: t.address, port: t.port, sni: 'localhost', addresses: [t.address] }));
    const roots = loadRoots(ca);
    const expected = new (await import('node:crypto')).X509Certificate(fs.readFileSync(cert)).serialNumber.replace(/^0+/, '').toUpperCase();

    let connections = 0;
    const sweep = (sampled: boolean) => async (n: number) => {
      const settings = sampled ? { samples: DEFAULT_SAMPLES } : { samples: 1, profiles: false };
      const out = await verifyEndpoints(config.slice(0, n), expected, 10_000, { roots, limit: pLimit(CONCURRENCY), expiringAlertMs: DEFAULT_POLICY.expiringAlertMs, ...settings });
      if (!out.verified) throw new Error(`certloop sweep did not verify: ${out.summary.slice(0, 300)}`);
      if (sampled) connections = out.results.reduce((k, r) => k + (r.samples?.length ?? 1), 0);
    };
    const certloop = sweep(false);
    const sampled = sweep(true);
    const bare = async (n: number) => {
      const limit = pLimit(CONCURRENCY);
      await Promise.all(targets.slice(0, n).map((t) => limit(() => bareProbe(t.address, t.port))));
    };

    // Warm up both (JIT, TLS session machinery), then measure each three times, alternately, and
    // keep the best: a sweep lasts half a second, and a hiccup of this shared machine is not the client.
    await certloop(100);
    await sampled(100);
    await bare(100);
    const tCertloopRuns: number[] = [];
    const tSampledRuns: number[] = [];
    const tBareRuns: number[] = [];
    for (let round = 0; round < 3; round++) {
      tCertloopRuns.push(await time(() => certloop(PROBES)));
      tSampledRuns.push(await time(() => sampled(PROBES)));
      tBareRuns.push(await time(() => bare(PROBES)));
    }
    const tCertloop = Math.min(...tCertloopRuns);
    const tSampled = Math.min(...tSampledRuns);
    const tBare = Math.min(...tBareRuns);
    const tOpenssl = await time(async () => {
      for (const t of targets.slice(0, OPENSSL_SAMPLE)) await opensslProbe(t.address, t.port);
    });

    const rate = (n: number, ms: number) => (n / ms) * 1000;
    const r = { certloop: rate(PROBES, tCertloop), sampled: rate(connections, tSampled), sampledAddresses: rate(PROBES, tSampled), bare: rate(PROBES, tBare), openssl: rate(OPENSSL_SAMPLE, tOpenssl) };
    const vsBare = r.certloop / r.bare;
    const sampledVsBare = r.sampled / r.bare;
    const vsOpenssl = r.certloop / r.openssl;
    const lines = [
      `sweep of ${PROBES} addresses (${SERVERS} ${kind} TLS servers × ${PROBES / SERVERS} probes), concurrency ${CONCURRENCY}, ${os.cpus().length} cores`,
      `  certloop, 1 connection per address     ${r.certloop.toFixed(0).padStart(6)} probes/s  (${(tCertloop / 1000).toFixed(2)} s)`,
      `  certloop, default sampling             ${r.sampled.toFixed(0).padStart(6)} connections/s, ${r.sampledAddresses.toFixed(0)} addresses/s  (${connections} connections, ${(tSampled / 1000).toFixed(2)} s)`,
      `  bare tls.connect loop                  ${r.bare.toFixed(0).padStart(6)} probes/s  (${(tBare / 1000).toFixed(2)} s)`,
      `  openssl s_client loop                  ${r.openssl.toFixed(1).padStart(6)} probes/s  (${OPENSSL_SAMPLE} timed, extrapolated: ${((PROBES / r.openssl)).toFixed(0)} s for ${PROBES})`,
      `  certloop / bare, per connection: single ${vsBare.toFixed(2)}×, sampled ${sampledVsBare.toFixed(2)}×  (target ≥ 1×) ${Math.min(vsBare, sampledVsBare) >= 1 ? 'ok' : 'BELOW TARGET'}`,
      `  certloop / openssl ${vsOpenssl.toFixed(0)}×  (target ≥ 50×) ${vsOpenssl >= 50 ? 'ok' : 'BELOW TARGET'}`,
    ];
    for (const l of lines) console.log(l);
    const results = path.join(root, 'bench', 'RESULTS.md');
    if (!fs.existsSync(results)) fs.writeFileSync(results, '# Benchmark results\n\nAppended by the bench scripts; newest last.\n');
    fs.appendFileSync(
      results,
      `\n## verify sweep, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores, Node ${process.version}\n\n` +
        `| sweep of ${PROBES} addresses (${kind} servers), concurrency ${CONCURRENCY} | probes/s |\n|---|---|\n` +
        `| certloop, 1 connection per address (probe + named checks) | ${r.certloop.toFixed(0)} |\n` +
        `| certloop, default sampling (${connections} connections: 3 default + RSA-only + ECDSA-only hello per address), per connection | ${r.sampled.toFixed(0)} (${r.sampledAddresses.toFixed(0)} addresses/s) |\n` +
        `| bare tls.connect loop | ${r.bare.toFixed(0)} |\n| openssl s_client loop (${OPENSSL_SAMPLE} sampled) | ${r.openssl.toFixed(1)} |\n\n` +
        `certloop / bare per connection: ${vsBare.toFixed(2)}× single, ${sampledVsBare.toFixed(2)}× sampled (target ≥ 1×); certloop / openssl: ${vsOpenssl.toFixed(0)}× (target ≥ 50×).\n`,
    );
  } finally {
    stopServers();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function time(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** The minimum a Node verifier does: handshake with SNI, read the leaf serial, close. */
function bareProbe(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      resolve(serial);
    });
    s.once('error', reject);
  });
}

const execFileP = promisify(execFile);
function opensslProbe(host: string, port: number): Promise<unknown> {
  return execFileP('sh', ['-c', `openssl s_client -connect ${host}:${port} -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -serial`]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

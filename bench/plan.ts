/**
 * bench/plan: `certloop plan` over 100,000 certificates in the state store. Target: < 2 s and
 * < 300 MB peak RSS. The state is seeded through the real SqliteStore with realistic records (a
 * real certificate and key shared by all, per-record dates, serials, verification results,
 * conditions, a previous certificate, failures, pending orders, ARI windows), the config is
 * generated as JSON (JSON is YAML; see README "Large configs"), then `plan` and `plan --json`
 * run as child processes from start to exit. A YAML config of --yaml-n certificates is timed too,
 * to show why large configs should be JSON.
 *
 * Each is run --runs times (default 3; this machine is shared, one sample is noise): the table
 * shows the median wall time, the range, and the highest peak RSS. Every run is a new process
 * with nothing kept between runs.
 *
 *   npm run bench:plan -- [--n 100000] [--yaml-n 5000] [--runs 3] [--keep]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { CLI, tempDir } from '../test/support/lab.js';
import { makeListenerCertificate } from '../test/support/pebble.js';
import { SqliteStore } from '../src/state/sqlite.js';
import type { CertificateRecord } from '../src/state/record.js';
import { arg, flag, measure, report } from './lib.js';

const N = arg('n', 100_000);
const YAML_N = arg('yaml-n', 5_000);
const RUNS = Math.max(1, arg('runs', 3));
const DAY = 86_400_000;

function certificateConfig(i: number) {
  return {
    name: `site${i}`,
    domains: [`site${i}.example.com`, `www.site${i}.example.com`],
    challenge: { type: 'http-01', listen: '127.0.0.1:5002' },
    targets: [{ type: 'file', cert: `./live/site${i}/fullchain.pem`, key: `./live/site${i}/privkey.pem`, reload: ['systemctl', 'reload', 'nginx'] }],
    verify: { endpoints: [{ host: `site${i}.example.com`, port: 443 }] },
    ...(i % 10 === 0 ? { policy: 'short-lived' } : {}),
  };
}

function config(n: number) {
  return {
    acme: { directory: 'https://acme-v02.api.letsencrypt.org/directory', email: 'ops@example.com' },
    state: './certloop.db',
    certificates: Array.from({ length: n }, (_, i) => certificateConfig(i)),
  };
}

/** A record as a year of runs leaves it: issued, deployed, verified; some due, failing, mid-order. */
function record(i: number, pem: { fullchain: string; key: string }, now: number): CertificateRecord {
  const lifetime = i % 10 === 0 ? 6 * DAY : 90 * DAY;
  const age = (i * 7919) % lifetime; // spread over the lifetime: some are due, most are not
  const notBefore = new Date(now - age).toISOString();
  const notAfter = new Date(now - age + lifetime).toISOString();
  const serial = createHash('sha1').update(`serial ${i}`).digest('hex').slice(0, 36);
  const domains = [`site${i}.example.com`, `www.site${i}.example.com`];
  const at = new Date(now - 3_600_000).toISOString();
  const issued = { serial, domains, notBefore, notAfter, fullchainPem: pem.fullchain, keyPem: pem.key, issuedAt: notBefore, directory: 'https://acme-v02.api.letsencrypt.org/directory', orderUrl: `https://acme-v02.api.letsencrypt.org/acme/order/1/${i}` };
  const r: CertificateRecord = {
    name: `site${i}`,
    version: 0,
    issued,
    previous: i % 2 === 0 ? { ...issued, serial: `${serial.slice(0, -4)}beef`, notBefore: new Date(now - age - lifetime).toISOString(), notAfter: notBefore } : undefined,
    targets: { [`file:./live/site${i}/fullchain.pem`]: { serial, at: notBefore } },
    deployedSerial: serial,
    deployedAt: notBefore,
    lastVerification: {
      serial,
      at,
      verified: true,
      results: ['192.0.2.10', '2001:db8::10'].map((address) => ({
        endpoint: `site${i}.example.com:443`,
        address,
        ok: true,
        served: serial,
        notAfter,
        port: 443,
        sni: `site${i}.example.com`,
        servedIs: 'deployed' as const,
        checks: [
          { name: 'serial', ok: true, message: `serves ${serial}` },
          { name: 'chain', ok: true, message: 'chain complete and trusted' },
          { name: 'names', ok: true, message: `covers site${i}.example.com` },
        ],
        ms: 12,
      })),
    },
    conditions: {
      Issued: { status: 'True', reason: 'Issued', message: `certificate ${serial} issued, valid until ${notAfter}`, since: notBefore },
      Deployed: { status: 'True', reason: 'Deployed', message: `certificate ${serial} deployed to 1 target(s)`, since: notBefore },
      Verified: { status: 'True', reason: 'Served', message: `served by 2 of 2 addresses`, since: at },
      Ready: { status: 'True', reason: 'Ready', message: `certificate ${serial} is deployed and served everywhere`, since: at },
    },
    updatedAt: at,
  };
  if (i % 50 === 1) r.lastFailure = { step: 'issue', code: 'ACME_ORDER', message: 'the CA refused the new order: rate limited', at, attempts: 2, nextAttemptAt: new Date(now + 600_000).toISOString() };
  if (i % 97 === 2) r.pendingOrder = { keyPem: pem.key, domains, startedAt: at, directory: issued.directory, orderUrl: `https://acme-v02.api.letsencrypt.org/acme/order/1/${i}0`, reason: 'RenewalDue' };
  if (i % 5 === 3) {
    r.ari = { serial, certId: `aki.${serial}`, windowStart: new Date(now + 20 * DAY).toISOString(), windowEnd: new Date(now + 22 * DAY).toISOString(), selectedAt: new Date(now + 21 * DAY).toISOString(), fetchedAt: at, nextFetchAt: new Date(now + 6 * 3_600_000).toISOString() };
  }
  return r;
}

async function seed(dir: string, n: number): Promise<{ seconds: number; bytes: number; recordBytes: number }> {
  const pemDir = path.join(dir, 'pem');
  const files = makeListenerCertificate(pemDir);
  const pem = { fullchain: fs.readFileSync(files.cert, 'utf8') + fs.readFileSync(files.ca, 'utf8'), key: fs.readFileSync(files.key, 'utf8') };
  const file = path.join(dir, 'certloop.db');
  const started = performance.now();
  const store = new SqliteStore(file);
  const now = Date.now();
  let recordBytes = 0;
  // Every hundredth certificate has never been issued: it has no record.
  for (let i = 0; i < n; i++) {
    if (i % 100 === 99) continue;
    const r = record(i, pem, now);
    recordBytes += JSON.stringify(r).length;
    await store.put(r);
  }
  await store.close();
  return { seconds: (performance.now() - started) / 1000, bytes: fs.statSync(file).size, recordBytes: recordBytes / n };
}

async function main(): Promise<void> {
  const dir = tempDir('bench-plan');
  try {
    process.stdout.write(`seeding ${N} records and a ${N}-certificate config (setup, not measured)…\n`);
    const seeded = await seed(dir, N);
    const jsonConfig = path.join(dir, 'certloop.json');
    fs.writeFileSync(jsonConfig, JSON.stringify(config(N), null, 2));
    process.stdout.write(`state ${(seeded.bytes / 1048576).toFixed(0)} MiB (${seeded.recordBytes.toFixed(0)} B per record), config ${(fs.statSync(jsonConfig).size / 1048576).toFixed(0)} MiB, seeded in ${seeded.seconds.toFixed(1)} s\n`);

    const rows: (string | number)[][] = [['what', 'certificates', `wall s (median of ${RUNS})`, 'range s', 'peak RSS MiB (max)', 'target']];
    const run = async (label: string, cfg: string, n: number, extra: string[], target: string) => {
      const all: { seconds: number; peakMiB?: number }[] = [];
      for (let k = 0; k < RUNS; k++) {
        const r = await measure([process.execPath, CLI, '-c', cfg, 'plan', ...extra]);
        if (r.code !== 0) throw new Error(`${label} exited ${r.code}: ${r.stderr.slice(-2000)}`);
        all.push(r);
      }
      const times = all.map((r) => r.seconds).sort((a, b) => a - b);
      const seconds = times[Math.floor((times.length - 1) / 2)];
      const peakMiB = Math.max(...all.map((r) => r.peakMiB ?? NaN));
      rows.push([label, n, seconds, `${times[0].toFixed(2)}–${times[times.length - 1].toFixed(2)}`, peakMiB, target]);
      return { seconds, peakMiB };
    };
    const text = await run('certloop plan (JSON config)', jsonConfig, N, [], '< 2 s, < 300 MiB');
    const json = await run('certloop plan --json (JSON config)', jsonConfig, N, ['--json'], '< 2 s, < 300 MiB');
    if (YAML_N > 0) {
      const yamlConfig = path.join(dir, 'certloop.yaml');
      fs.writeFileSync(yamlConfig, stringify(config(YAML_N)));
      await run('certloop plan (YAML config, block style)', yamlConfig, YAML_N, [], 'for scale');
    }
    const ok = (r: { seconds: number; peakMiB?: number }) => r.seconds < 2 && (r.peakMiB ?? Infinity) < 300;
    report(`bench/plan (N=${N})`, rows, [
      `State: ${N} certificates (1% never issued), ${(seeded.bytes / 1048576).toFixed(0)} MiB SQLite at rest (no WAL), records ${seeded.recordBytes.toFixed(0)} B of JSON each; config ${(fs.statSync(jsonConfig).size / 1048576).toFixed(0)} MiB of indented JSON.`,
      `plan: ${ok(text) ? 'meets' : 'MISSES'} the target; plan --json: ${ok(json) ? 'meets' : 'MISSES'} it.`,
    ]);
  } finally {
    if (flag('keep')) process.stdout.write(`kept ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/plan failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

/**
 * `npm run bench:discover`: is a zone of 10,000 names discovered within the daemon's interval?
 *
 * A real BIND on loopback holds a zone of N names (default 10,000; `--names`), half at 127.0.0.1
 * where one TLS server answers every name, half at 127.0.0.2 where nothing listens. Timed:
 *
 * - the zone transfer alone, as the `axfr` source does it (TSIG-signed, every message verified),
 *   beside `dig AXFR` with the same key (BIND's own client: the floor for a transfer);
 * - `certloop discover --json` end to end (a process of its own, peak RSS through GNU time): the
 *   transfer, then every name resolved at BIND and tried once for TLS (64 at a time, 3s deadline).
 *
 * The figure that matters is discover's time against `watch.interval` (default 1h), the period the
 * daemon sweeps on: the ratio says how many times over a discovery fits in one interval.
 * Appends a table to bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../src/observability/logger.js';
import { AxfrSourceConfig } from '../providers/sources/axfr/schema.js';
import { createAxfrSource } from '../providers/sources/axfr/index.js';
import { startBind } from '../test/support/bind.js';
import { makeListenerCertificate } from '../test/support/pebble.js';
import { CLI } from '../test/support/lab.js';
import { arg, measure, report, requireCommand } from './lib.js';

const NAMES = arg('names', 10_000);
const ZONE = 'bench.test';
/** watch.interval's default (src/config/schema.ts). */
const INTERVAL_S = 3600;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-bench-discover-'));
  const dig = requireCommand('dig', 'bind9-dnsutils');
  const { cert, key } = makeListenerCertificate(dir);
  const server = tls.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const bind = await startBind({
    dir: path.join(dir, 'bind'),
    zones: [ZONE],
    allowTransfer: true,
    records: { [ZONE]: Array.from({ length: NAMES }, (_, i) => `host-${i} IN A 127.0.0.${1 + (i % 2)}`) },
  });
  try {
    const log = createLogger({ level: 'silent' });
    const source = createAxfrSource(AxfrSourceConfig.parse({ type: 'axfr', server: bind.server, zone: ZONE, tsig: bind.tsig, ports: [port] }));
    const transfers: number[] = [];
    let yielded = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      yielded = (await source.list({ signal: new AbortController().signal, log })).length;
      transfers.push((performance.now() - t) / 1000);
    }
    const digs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      execFileSync(dig, ['-y', `${bind.tsig.algorithm}:${bind.tsig.name}:${bind.tsig.secret}`, '-p', String(bind.port), '@127.0.0.1', ZONE, 'AXFR'], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 28 });
      digs.push((performance.now() - t) / 1000);
    }

    const config = path.join(dir, 'certloop.yaml');
    fs.writeFileSync(
      config,
      `acme: { directory: "https://127.0.0.1:1/never-contacted" }
state: ./certloop.db
certificates:
  - name: one
    domains: [host-0.${ZONE}]
    challenge: { type: http-01, listen: 127.0.0.1:1 }
    targets: [{ type: file, cert: ./one.pem, key: ./one.key }]
watch:
  sources:
    - { type: axfr, server: "${bind.server}", zone: ${ZONE}, tsig: { name: ${bind.tsig.name}, secret: "${bind.tsig.secret}" }, ports: [${port}] }
`,
    );
    const out = path.join(dir, 'discover.json');
    const run = await measure(['/bin/sh', '-c', `"${process.execPath}" "${CLI}" -c "${config}" --json discover --resolver ${bind.server} > "${out}"`], { cwd: dir });
    if (run.code !== 0) throw new Error(`certloop discover exited ${run.code}: ${run.stderr.slice(-2000)}`);
    const summary = JSON.parse(fs.readFileSync(out, 'utf8')).discover.summary as Record<string, number>;
    if (summary.names !== yielded || summary.unlisted + summary.noTls + summary.managed !== NAMES + 1) {
      throw new Error(`unexpected discover summary ${JSON.stringify(summary)} for ${yielded} names`);
    }

    const best = (xs: number[]) => Math.min(...xs);
    report(
      `bench/discover: a zone of ${NAMES.toLocaleString('en')} names (AXFR from BIND with TSIG, then one TLS try per unlisted name)`,
      [
        ['what', 'seconds (best of 3 / one run)', 'peak RSS MiB', 'against'],
        ['zone transfer, axfr source (in process)', best(transfers), '-', `dig AXFR ${best(digs).toFixed(2)}s: ${(best(transfers) / best(digs)).toFixed(2)}×`],
        ['certloop discover --json (whole command)', run.seconds, run.peakMiB ?? NaN, `watch.interval 1h: fits ${(INTERVAL_S / run.seconds).toFixed(0)}× over`],
      ],
      [
        `discover sorted ${summary.names} names: ${summary.managed} managed, ${summary.unlisted} unlisted answering TLS, ${summary.noTls} without TLS (127.0.0.2: refused).`,
        'TLS tries: 64 at a time, 3s deadline each; names resolved at BIND (--resolver).',
      ],
    );
  } finally {
    server.close();
    await bind.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

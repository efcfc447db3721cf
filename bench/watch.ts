/**
 * `npm run bench:watch`: one `certloop watch --once` over 10,000 watched endpoints served by a
 * real nginx on loopback (50 ports × 200 server names, each endpoint its own SNI), against the
 * bare probe loop (bench/watch-bare.ts: tls.connect, read serial and expiry, close) over the same
 * endpoints at the same concurrency, each in its own process, timed together with its peak RSS
 * (GNU time). certloop's run includes everything a sweep does: loading the config, probing every
 * endpoint, judging chain and expiry, and storing the sweep.
 *
 * Issue 18's figure: a fleet of 10,000 names swept well within the daemon's default interval (1h).
 * Target: certloop ≥ 0.5× the bare loop's probes/s (it does the checks and the bookkeeping on top).
 *
 *   npm run bench:watch -- [--ports 50] [--names 200] [--rounds 2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI } from '../test/support/lab.js';
import { arg, measure, report, type Measured } from './lib.js';
import { startFleet } from './support/watch-nginx.js';

const PORTS = arg('ports', 50);
const NAMES = arg('names', 200);
const ROUNDS = arg('rounds', 2);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-bench-watch-'));
  const fleet = await startFleet(dir, PORTS, NAMES);
  const n = fleet.endpoints.length;
  try {
    const config = path.join(dir, 'certloop.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        acme: { directory: 'https://127.0.0.1:1/never-contacted' },
        state: './certloop.db',
        watch: { endpoints: fleet.endpoints.map((e) => ({ name: e.name, host: e.sni, addresses: ['127.0.0.1'], port: e.port, trust: fleet.ca })) },
      }),
    );
    const list = path.join(dir, 'endpoints.json');
    fs.writeFileSync(list, JSON.stringify(fleet.endpoints));
    const bare = path.join(path.dirname(CLI), '..', '..', 'bench', 'watch-bare.js');
    const runs: { certloop: Measured[]; bare: Measured[] } = { certloop: [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating, best of each kept: a hiccup of this shared machine is not the client.
      const c = await measure([process.execPath, CLI, '-c', config, 'watch', '--once', '--log-level', 'warn']);
      if (c.code !== 0) throw new Error(`certloop watch exited ${c.code}: ${c.stderr.slice(-2000)}`);
      runs.certloop.push(c);
      const b = await measure([process.execPath, bare, list]);
      if (b.code !== 0) throw new Error(`the bare loop exited ${b.code}: ${b.stderr.slice(-2000)}`);
      runs.bare.push(b);
    }
    const best = (ms: Measured[]) => ms.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const c = best(runs.certloop);
    const b = best(runs.bare);
    const ratio = n / c.seconds / (n / b.seconds);
    report(
      `watch sweep of ${n} endpoints (nginx, ${PORTS} ports × ${NAMES} names, loopback)`,
      [
        ['what', 'endpoints', 'wall s', 'probes/s', 'peak RSS MiB'],
        ['certloop watch --once (probe, chain and expiry checks, state)', n, c.seconds, n / c.seconds, c.peakMiB ?? NaN],
        ['bare tls.connect loop (serial and expiry read)', n, b.seconds, n / b.seconds, b.peakMiB ?? NaN],
      ],
      [
        `certloop / bare: ${ratio.toFixed(2)}× the probes/s (target ≥ 0.5×) ${ratio >= 0.5 ? 'ok' : 'BELOW TARGET'}; best of ${ROUNDS} alternating rounds, whole processes (start-up included)`,
        `a daemon sweeping every hour (watch.interval 1h) spends ${((c.seconds / 3600) * 100).toFixed(2)}% of the interval on this fleet`,
      ],
    );
  } finally {
    fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

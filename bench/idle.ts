/**
 * bench/idle: the run that happens every day. 1,000 certificates, none due, every endpoint fresh:
 * time and peak memory of `certloop run` (probing every endpoint, the default) and of
 * `certloop run --recheck due` (endpoints checked within the recheck interval are not probed
 * again) beside `certbot renew` over 20 lineages that are not due. Target: certloop over 1,000
 * faster than certbot over 20.
 *
 *   npm run bench:idle -- --n 1000 --certbot-n 20 --rounds 5 [--skip-certbot] [--profile DIR]
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLI, tempDir } from '../test/support/lab.js';
import { startPebble } from '../test/support/pebble.js';
import { parse } from 'yaml';
import { arg, flag, measure, report, requireCommand, type Measured } from './lib.js';
import { startSniServer } from './support/sni-server.js';

const N = arg('n', 1000);
const CERTBOT_N = arg('certbot-n', 20);
const ROUNDS = arg('rounds', 5);

async function main(): Promise<void> {
  const dir = tempDir('bench-idle');
  const pebble = await startPebble({ dir: path.join(dir, 'pebble') });
  const live = path.join(dir, 'certloop', 'live');
  const server = await startSniServer(live, (sni) => /^(c\d+)\.test$/.exec(sni)?.[1]);
  const rows: (string | number)[][] = [['what', 'certificates', 'wall s', 'peak RSS MiB']];
  try {
    const config = path.join(dir, 'certloop', 'certloop.yaml');
    const certs = Array.from(
      { length: N },
      (_, i) => `  - name: c${i}
    domains: [c${i}.test]
    challenge: { type: http-01, listen: 127.0.0.1:${pebble.httpPort} }
    targets: [{ type: file, cert: ./live/c${i}/fullchain.pem, key: ./live/c${i}/privkey.pem }]
    verify: { endpoints: [{ host: 127.0.0.1, port: ${server.port}, sni: c${i}.test }], trust: ${pebble.rootFile} }`,
    );
    fs.mkdirSync(path.dirname(config), { recursive: true });
    fs.writeFileSync(config, `acme: { directory: ${pebble.directory}, caBundle: ${pebble.caBundleFile} }\nconcurrency: 16\ncertificates:\n${certs.join('\n')}\n`);
    // The same config as JSON (the README's advice for generated configs), beside it: same
    // folder, so the same relative paths and the same state file.
    const jsonConfig = path.join(dir, 'certloop', 'certloop.json');
    fs.writeFileSync(jsonConfig, `${JSON.stringify(parse(fs.readFileSync(config, 'utf8')), null, 2)}\n`);

    process.stdout.write(`issuing ${N} certificates once (setup, not measured)…\n`);
    const setup = await measure([process.execPath, CLI, '-c', config, 'run', '--log-level', 'warn']);
    if (setup.code !== 0) throw new Error(`setup run exited ${setup.code}: ${setup.stderr.slice(-2000)}`);

    // --profile DIR: also write a V8 CPU profile of each measured certloop run there (node --cpu-prof).
    const profileDir = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : undefined;
    const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
    const certloopRun = (file: string, ...extra: string[]) => async () => {
      const r = await measure([process.execPath, ...profile, CLI, '-c', file, 'run', ...extra, '--log-level', 'warn']);
      if (r.code !== 0) throw new Error(`certloop run ${extra.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
      return r;
    };
    const contenders: { what: string; n: number; run: () => Promise<Measured> }[] = [
      { what: 'certloop run (none due, every endpoint probed)', n: N, run: certloopRun(config) },
      // The cron-every-few-minutes mode: endpoints checked within the policy's recheckInterval (1h
      // by default; the runs above just checked them) are not probed again.
      { what: 'certloop run --recheck due (none due, endpoints checked < 1h ago)', n: N, run: certloopRun(config, '--recheck', 'due') },
      { what: 'certloop run --recheck due, the same config as JSON', n: N, run: certloopRun(jsonConfig, '--recheck', 'due') },
    ];

    if (!flag('skip-certbot')) {
      const certbot = requireCommand('certbot', 'certbot');
      const base = path.join(dir, 'certbot');
      const env = { ...process.env, REQUESTS_CA_BUNDLE: pebble.caBundleFile };
      const common = ['--non-interactive', '--agree-tos', '--email', 'ops@example.com', '--server', pebble.directory, '--config-dir', `${base}/config`, '--work-dir', `${base}/work`, '--logs-dir', `${base}/logs`];
      process.stdout.write(`creating ${CERTBOT_N} certbot lineages (setup, not measured)…\n`);
      for (let i = 0; i < CERTBOT_N; i++) {
        const r = await measure([certbot, 'certonly', '--standalone', '--http-01-address', '127.0.0.1', '--http-01-port', String(pebble.httpPort), ...common, '-d', `cb${i}.test`], { env });
        if (r.code !== 0) throw new Error(`certbot certonly exited ${r.code}: ${r.stderr.slice(-2000)}`);
      }
      contenders.push({
        what: 'certbot renew (none due, no verification)',
        n: CERTBOT_N,
        run: async () => {
          const r = await measure([certbot, 'renew', ...common], { env });
          if (r.code !== 0) throw new Error(`certbot renew exited ${r.code}: ${r.stderr.slice(-2000)}`);
          return r;
        },
      });
    }

    // Each contender ROUNDS times, interleaved so that a busy moment of the machine hits all of
    // them alike; the median is reported.
    const runs = contenders.map(() => [] as Measured[]);
    for (let round = 0; round < ROUNDS; round++) for (const [i, c] of contenders.entries()) runs[i].push(await c.run());
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const figures = contenders.map((c, i) => ({ ...c, seconds: median(runs[i].map((r) => r.seconds)), peakMiB: median(runs[i].map((r) => r.peakMiB ?? NaN)) }));
    for (const f of figures) rows.push([f.what, f.n, f.seconds, f.peakMiB]);
    const [probed, due, dueJson, certbot] = figures;
    const notes = [`Median of ${ROUNDS} runs of each, interleaved.`];
    if (certbot) {
      notes.push(
        `certloop --recheck due over ${N} certificates: ${due.seconds.toFixed(2)} s with the YAML config, ${dueJson.seconds.toFixed(2)} s with it as JSON; certbot over ${CERTBOT_N}: ${certbot.seconds.toFixed(2)} s (${(certbot.seconds / due.seconds).toFixed(2)}x and ${(certbot.seconds / dueJson.seconds).toFixed(2)}x certloop's time; target > 1).`,
        `certloop probing every endpoint over ${N}: ${probed.seconds.toFixed(2)} s (${(certbot.seconds / probed.seconds).toFixed(2)}x): it connects to every endpoint over TLS and compares the served serial; certbot only reads its lineages.`,
      );
    }
    report(`bench/idle (N=${N})`, rows, notes);
  } finally {
    await server.close();
    await pebble.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/idle failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

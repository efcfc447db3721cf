/**
 * bench/idle: the run that happens every day. 1,000 certificates, none due, every endpoint fresh:
 * time and peak memory of `certloop run` (which still verifies every endpoint) beside
 * `certbot renew` over 20 lineages that are not due. Target: certloop over 1,000 faster than
 * certbot over 20.
 *
 *   npm run bench:idle -- --n 1000 --certbot-n 20
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLI, tempDir } from '../test/support/lab.js';
import { startPebble } from '../test/support/pebble.js';
import { arg, flag, measure, report, requireCommand } from './lib.js';
import { startSniServer } from './support/sni-server.js';

const N = arg('n', 1000);
const CERTBOT_N = arg('certbot-n', 20);

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

    process.stdout.write(`issuing ${N} certificates once (setup, not measured)…\n`);
    const setup = await measure([process.execPath, CLI, '-c', config, 'run', '--log-level', 'warn']);
    if (setup.code !== 0) throw new Error(`setup run exited ${setup.code}: ${setup.stderr.slice(-2000)}`);

    // --profile DIR: also write a V8 CPU profile of the measured run there (node --cpu-prof).
    const profileDir = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : undefined;
    const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
    const idle = await measure([process.execPath, ...profile, CLI, '-c', config, 'run', '--log-level', 'warn']);
    if (idle.code !== 0) throw new Error(`idle run exited ${idle.code}: ${idle.stderr.slice(-2000)}`);
    rows.push(['certloop run (none due, every endpoint probed)', N, idle.seconds, idle.peakMiB ?? NaN]);

    // The cron-every-few-minutes mode: endpoints checked within the policy's recheckInterval (1h
    // by default; the runs above just checked them) are not probed again.
    const due = await measure([process.execPath, ...profile, CLI, '-c', config, 'run', '--recheck', 'due', '--log-level', 'warn']);
    if (due.code !== 0) throw new Error(`--recheck due run exited ${due.code}: ${due.stderr.slice(-2000)}`);
    rows.push(['certloop run --recheck due (none due, endpoints checked < 1h ago)', N, due.seconds, due.peakMiB ?? NaN]);

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
      const renew = await measure([certbot, 'renew', ...common], { env });
      if (renew.code !== 0) throw new Error(`certbot renew exited ${renew.code}: ${renew.stderr.slice(-2000)}`);
      rows.push(['certbot renew (none due, no verification)', CERTBOT_N, renew.seconds, renew.peakMiB ?? NaN]);
      const ratio = renew.seconds / idle.seconds;
      report(`bench/idle (N=${N})`, rows, [
        `certloop over ${N} certificates took ${idle.seconds.toFixed(2)} s; certbot over ${CERTBOT_N} took ${renew.seconds.toFixed(2)} s (${ratio.toFixed(1)}x certloop's time; target > 1).`,
        'certloop also connected to every endpoint over TLS and compared the served serial; certbot only reads its lineages.',
      ]);
    } else {
      report(`bench/idle (N=${N})`, rows);
    }
  } finally {
    await server.close();
    await pebble.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/idle failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

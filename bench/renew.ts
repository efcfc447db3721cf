/**
 * bench/renew: N certificates (two names each) renewed end to end by certloop (order, http-01,
 * finalize, deploy to files, verify against a local TLS server) beside certbot, lego and the
 * protocol floor (a bare acme-client loop that only orders and downloads, at certloop's
 * concurrency), all against the same Pebble. Prints wall seconds and ratios, appends to RESULTS.md.
 *
 *   npm run bench:renew -- --n 50 [--lego-n 50] [--certbot-n 50] [--skip-certbot] [--skip-lego]
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import acme from 'acme-client';
import pLimit from 'p-limit';
import { CLI, tempDir } from '../test/support/lab.js';
import { startPebble } from '../test/support/pebble.js';
import { arg, flag, measure, report, requireCommand } from './lib.js';
import { startSniServer } from './support/sni-server.js';

const N = arg('n', 50);
const CONCURRENCY = arg('concurrency', 8);
const names = (i: number, tag: string) => [`${tag}${i}-a.test`, `${tag}${i}-b.test`];

async function main(): Promise<void> {
  const dir = tempDir('bench-renew');
  const pebble = await startPebble({ dir: path.join(dir, 'pebble') });
  const rows: (string | number)[][] = [['client', 'certificates', 'wall s', 's / certificate', 'ratio to certloop']];
  const results: Record<string, { n: number; seconds: number }> = {};
  try {
    results.certloop = await benchCertloop(dir, pebble);
    results.floor = await benchFloor(pebble);
    if (!flag('skip-certbot')) results.certbot = await benchCertbot(dir, pebble, arg('certbot-n', N));
    if (!flag('skip-lego')) results.lego = await benchLego(dir, pebble, arg('lego-n', N));
  } finally {
    await pebble.stop();
  }
  const perCert = (k: string) => results[k].seconds / results[k].n;
  for (const [k, r] of Object.entries(results)) {
    rows.push([k, r.n, r.seconds, perCert(k), perCert(k) / perCert('certloop')]);
  }
  const notes = [
    `certloop: \`certloop run\` from process start to exit, concurrency ${CONCURRENCY}, includes deploy to files and verification of every certificate over TLS.`,
    `floor: bare acme-client (backoffMin 100 ms, one TLS context like certloop's, acme-client's own nonce and signing) order → http-01 → finalize → download, concurrency ${CONCURRENCY}, in-process (no start-up, no deploy, no verify).`,
    'certbot: `certbot certonly --standalone` one certificate after another, as its users run it; lego: `lego run --http` likewise.',
    'Per-certificate ratios are used when a client ran fewer certificates (--certbot-n/--lego-n) to keep the run short.',
  ];
  if (results.certbot) notes.push(`certloop vs certbot: ${(perCert('certbot') / perCert('certloop')).toFixed(1)}x faster (target 30x)`);
  if (results.lego) notes.push(`certloop vs lego: ${(perCert('lego') / perCert('certloop')).toFixed(1)}x faster (target 100x)`);
  notes.push(`certloop vs floor: ${(perCert('certloop') / perCert('floor')).toFixed(2)}x the floor's time (target within 1.5x)`);
  report(`bench/renew (N=${N})`, rows, notes);
}

async function benchCertloop(dir: string, pebble: Awaited<ReturnType<typeof startPebble>>) {
  const live = path.join(dir, 'certloop', 'live');
  const server = await startSniServer(live, (sni) => /^(c\d+)-a\.test$/.exec(sni)?.[1]);
  const certs = Array.from({ length: N }, (_, i) => {
    const [a, b] = names(i, 'c');
    return `  - name: c${i}
    domains: [${a}, ${b}]
    challenge: { type: http-01, listen: 127.0.0.1:${pebble.httpPort} }
    targets: [{ type: file, cert: ./live/c${i}/fullchain.pem, key: ./live/c${i}/privkey.pem }]
    verify: { endpoints: [{ host: 127.0.0.1, port: ${server.port}, sni: ${a} }], trust: ${pebble.rootFile} }`;
  });
  const config = path.join(dir, 'certloop', 'certloop.yaml');
  fs.mkdirSync(path.dirname(config), { recursive: true });
  fs.writeFileSync(config, `acme: { directory: ${pebble.directory}, caBundle: ${pebble.caBundleFile} }\nconcurrency: ${CONCURRENCY}\ncertificates:\n${certs.join('\n')}\n`);
  try {
    const r = await measure([process.execPath, CLI, '-c', config, 'run', '--log-level', 'warn']);
    if (r.code !== 0) throw new Error(`certloop run exited ${r.code}: ${r.stderr.slice(-2000)}`);
    return { n: N, seconds: r.seconds };
  } finally {
    await server.close();
  }
}

async function benchFloor(pebble: Awaited<ReturnType<typeof startPebble>>) {
  // The same TLS set-up as certloop (one secure context): the floor must be the best bare loop.
  const secureContext = tls.createSecureContext({ ca: [...tls.rootCertificates, fs.readFileSync(pebble.caBundleFile, 'utf8')] });
  acme.axios.defaults.httpsAgent = new https.Agent({ keepAlive: true, secureContext });
  acme.setLogger(() => undefined);
  const tokens = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const v = tokens.get((req.url ?? '').split('/').pop() ?? '');
    res.writeHead(v ? 200 : 404).end(v);
  });
  await new Promise<void>((r) => server.listen(pebble.httpPort, '127.0.0.1', r));
  const started = performance.now();
  try {
    const client = new acme.Client({ directoryUrl: pebble.directory, accountKey: await acme.crypto.createPrivateEcdsaKey(), backoffMin: 100, backoffMax: 2000 });
    await client.createAccount({ termsOfServiceAgreed: true });
    const limit = pLimit(CONCURRENCY);
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        limit(async () => {
          const domains = names(i, 'f');
          const order = await client.createOrder({ identifiers: domains.map((value) => ({ type: 'dns', value })) });
          const authzs = await client.getAuthorizations(order);
          await Promise.all(
            authzs.map(async (authz) => {
              const ch = authz.challenges.find((c) => c.type === 'http-01')!;
              tokens.set(ch.token, await client.getChallengeKeyAuthorization(ch));
              await client.completeChallenge(ch);
              await client.waitForValidStatus(authz);
            }),
          );
          const [, csr] = await acme.crypto.createCsr({ commonName: domains[0], altNames: domains }, await acme.crypto.createPrivateEcdsaKey());
          const finalized = await client.finalizeOrder(order, csr);
          await client.getCertificate(finalized);
        }),
      ),
    );
  } finally {
    server.close();
  }
  return { n: N, seconds: (performance.now() - started) / 1000 };
}

async function benchCertbot(dir: string, pebble: Awaited<ReturnType<typeof startPebble>>, n: number) {
  const certbot = requireCommand('certbot', 'certbot');
  const base = path.join(dir, 'certbot');
  const env = { ...process.env, REQUESTS_CA_BUNDLE: pebble.caBundleFile };
  const common = ['--non-interactive', '--agree-tos', '--email', 'ops@example.com', '--server', pebble.directory, '--config-dir', `${base}/config`, '--work-dir', `${base}/work`, '--logs-dir', `${base}/logs`];
  let seconds = 0;
  for (let i = 0; i < n; i++) {
    const [a, b] = names(i, 'cb');
    const r = await measure([certbot, 'certonly', '--standalone', '--http-01-address', '127.0.0.1', '--http-01-port', String(pebble.httpPort), ...common, '-d', a, '-d', b], { env });
    if (r.code !== 0) throw new Error(`certbot exited ${r.code}: ${r.stderr.slice(-2000)}`);
    seconds += r.seconds;
  }
  return { n, seconds };
}

async function benchLego(dir: string, pebble: Awaited<ReturnType<typeof startPebble>>, n: number) {
  const lego = requireCommand('lego', 'lego');
  const env = { ...process.env, LEGO_CA_CERTIFICATES: pebble.caBundleFile };
  let seconds = 0;
  for (let i = 0; i < n; i++) {
    const [a, b] = names(i, 'lg');
    const r = await measure(
      [lego, '--accept-tos', '--email', 'ops@example.com', '--server', pebble.directory, '--path', path.join(dir, 'lego'), '--http', '--http.port', `127.0.0.1:${pebble.httpPort}`, '-d', a, '-d', b, 'run'],
      { env },
    );
    if (r.code !== 0) throw new Error(`lego exited ${r.code}: ${r.stderr.slice(-2000)}`);
    seconds += r.seconds;
  }
  return { n, seconds };
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/renew failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

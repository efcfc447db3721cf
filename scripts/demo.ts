/**
 * `npm run demo`: the whole loop on this machine, against real parts. Starts Pebble (the ACME CA)
 * and nginx on loopback, writes a config, runs `certloop run`, shows `certloop status` with the
 * served serial equal to the issued one, and stops what it started.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx, writePlaceholder, type Nginx } from '../test/support/nginx.js';
import { freePort } from '../test/support/net.js';
import { startPebble, type Pebble } from '../test/support/pebble.js';
import { demoConfig } from './demo-config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = path.join(root, '.demo');
const cli = path.join(root, 'dist', 'src', 'cli', 'bin.js');

function step(text: string): void {
  process.stdout.write(`\n\x1b[1m==> ${text}\x1b[0m\n`);
}

function certloop(...args: string[]): number {
  process.stdout.write(`$ certloop ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, '-c', path.join(dir, 'certloop.yaml'), ...args], { stdio: 'inherit', env: { ...process.env, CERTLOOP_LOG_LEVEL: process.env.CERTLOOP_LOG_LEVEL ?? 'warn' } });
  return r.status ?? 1;
}

async function main(): Promise<number> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let pebble: Pebble | undefined;
  let nginx: Nginx | undefined;
  try {
    step('Starting Pebble (Let\'s Encrypt\'s test CA) on loopback');
    pebble = await startPebble({ dir: path.join(dir, 'pebble') });
    process.stdout.write(`ACME directory: ${pebble.directory}\n`);

    step('Starting nginx on loopback with a placeholder certificate');
    const port = await freePort();
    const live = path.join(dir, 'live', 'web');
    writePlaceholder(path.join(live, 'fullchain.pem'), path.join(live, 'privkey.pem'));
    nginx = await startNginx(path.join(dir, 'nginx'), [{ server_name: 'a.test', port, cert: path.join(live, 'fullchain.pem'), key: path.join(live, 'privkey.pem') }]);
    process.stdout.write(`nginx serves https://a.test:${port} on 127.0.0.1\n`);

    step('Writing .demo/certloop.yaml');
    const yaml = demoConfig({ directory: pebble.directory, httpPort: pebble.httpPort, port, reloadCommand: nginx.reloadCommand });
    fs.writeFileSync(path.join(dir, 'certloop.yaml'), yaml);
    process.stdout.write(yaml);

    step('certloop run: issue through ACME, deploy to files, reload nginx, verify the served serial');
    const runCode = certloop('run');

    step('certloop status');
    certloop('status');

    step('What nginx serves now, probed independently');
    certloop('verify', '--endpoint', `127.0.0.1:${port}`, '--sni', 'a.test', '--trust', path.join(dir, 'pebble', 'pebble-root.pem'));

    process.stdout.write(runCode === 0 ? '\nDemo finished: the served serial is the issued one.\n' : `\nDemo run exited ${runCode}.\n`);
    return runCode;
  } finally {
    step('Stopping what the demo started');
    nginx?.stop();
    await pebble?.stop();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);

/**
 * The run half of `npm run check:image` (scripts/check-image.sh builds the image first): the
 * image as users run it — non-root, read-only root filesystem, config read-only on /etc/certloop,
 * state on the /var/lib/certloop volume, certificates on a mounted volume, /tmp as tmpfs, host
 * network — against real parts on this machine's loopback: Pebble (test/support/pebble.ts) and an
 * nginx serving the deployed files (test/support/nginx.ts).
 *
 * nginx runs on the host, certloop in the container: the file target's reload command (run inside
 * the container) POSTs to a reload hook this script serves on loopback, which runs nginx's own
 * reload — the shape of a reload sidecar or an orchestrator's webhook. certloop then verifies the
 * new serial on nginx's port itself, and this script probes it again from the host.
 *
 *   node dist/scripts/check-image.js IMAGE
 * Environment: CHECK_IMAGE_PODMAN (the podman command, default "podman"), CHECK_IMAGE_RUN_FLAGS
 * (extra `podman run` flags, e.g. ulimits), CHECK_IMAGE_KEEP=1 (keep the work folder).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { labConfig } from '../test/support/lab-config.js';
import { startNginx, writePlaceholder, type Nginx } from '../test/support/nginx.js';
import { freePort, waitFor } from '../test/support/net.js';
import { startPebble, type Pebble } from '../test/support/pebble.js';
import { assertNoKeyMaterial, keyMaterialIn } from '../test/support/secrets.js';

const image = process.argv[2];
const podman = (process.env.CHECK_IMAGE_PODMAN ?? 'podman').split(/\s+/).filter(Boolean);
const runFlags = (process.env.CHECK_IMAGE_RUN_FLAGS ?? '').split(/\s+/).filter(Boolean);
/** The user the Dockerfile declares (USER 1000:1000); checked against the image, never passed. */
const IMAGE_USER = '1000:1000';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const outputs: string[] = [];
const timings: [string, number][] = [];

function podmanCmd(args: string[], timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(podman[0], [...podman.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      outputs.push(stdout, stderr);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function show(r: Result): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  process.stdout.write(`==> ${name}\n`);
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  timings.push([name, ms]);
  process.stdout.write(`    ok (${(ms / 1000).toFixed(1)} s)\n`);
  return value;
}

/** Upper-case hex without leading zeros: how certloop prints serials. */
function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber.replace(/^0+/, '').toUpperCase();
}

function servedSerial(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert) resolve(cert.serialNumber.replace(/^0+/, '').toUpperCase());
      else reject(new Error(`127.0.0.1:${port} sent no certificate`));
    });
    socket.setTimeout(5000, () => socket.destroy(new Error(`127.0.0.1:${port}: no TLS handshake within 5 s`)));
    socket.once('error', reject);
  });
}

/** POST /reload runs nginx's reload; anything else is a 404. */
function startReloadHook(nginx: Nginx): Promise<{ port: number; reloads: () => number; close: () => void }> {
  let reloads = 0;
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/reload') {
      res.writeHead(404).end('POST /reload\n');
      return;
    }
    const [bin, ...args] = nginx.reloadCommand;
    execFile(bin, args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err) {
        res.writeHead(500).end(`nginx reload failed: ${stderr || err.message}\n`);
        return;
      }
      reloads += 1;
      res.writeHead(200).end('nginx reloaded\n');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as import('node:net').AddressInfo;
      resolve({ port, reloads: () => reloads, close: () => server.close() });
    });
  });
}

/** The reload command the file target runs inside the container (the image has node, no curl). */
function reloadArgv(hookPort: number): string[] {
  const js = `fetch('http://127.0.0.1:${hookPort}/reload',{method:'POST',signal:AbortSignal.timeout(10000)}).then(async(r)=>{process.stdout.write(await r.text());process.exit(r.ok?0:1)},(e)=>{console.error(e.message);process.exit(1)})`;
  return ['node', '-e', js];
}

/** labConfig's lab, moved to the image's layout: state on its volume, certificates on theirs. */
function imageConfig(o: { pebble: Pebble; port: number; hookPort: number }): string {
  const lab = labConfig({
    header: '# Written by scripts/check-image.ts: the end-to-end lab, in the container layout.\n',
    directory: o.pebble.directory,
    caBundle: './listener-ca.pem',
    trust: './pebble-root.pem',
    httpPort: o.pebble.httpPort,
    port: o.port,
    reload: reloadArgv(o.hookPort),
    verifyExtra: '      pollFor: 5s\n',
  });
  const moved = lab.replace(/^state: \.\/certloop\.db$/m, 'state: /var/lib/certloop/certloop.db').replaceAll('./live/web/', '/srv/certloop/live/web/');
  assert.match(moved, /^state: \/var\/lib\/certloop\/certloop\.db$/m, 'labConfig no longer writes `state: ./certloop.db`: update imageConfig');
  assert.doesNotMatch(moved, /\.\/live\//, 'labConfig changed its file target paths: update imageConfig');
  return moved;
}

async function main(): Promise<void> {
  assert.ok(image, 'usage: node dist/scripts/check-image.js IMAGE');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-check-image-'));
  const etc = path.join(dir, 'etc');
  const certs = path.join(dir, 'certs');
  const volume = `certloop-check-state-${process.pid}`;
  const daemonName = `certloop-check-daemon-${process.pid}`;
  let pebble: Pebble | undefined;
  let nginx: Nginx | undefined;
  let hook: Awaited<ReturnType<typeof startReloadHook>> | undefined;
  let ok = false;
  try {
    await step('the image declares a numeric non-root user and runs certloop', async () => {
      const r = await podmanCmd(['image', 'inspect', image, '--format', '{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}']);
      assert.equal(r.code, 0, show(r));
      const [user, entrypoint, cmd] = r.stdout.trim().split('|');
      assert.equal(user, IMAGE_USER);
      assert.deepEqual(JSON.parse(entrypoint), ['node', '/app/dist/src/cli/bin.js']);
      assert.deepEqual(JSON.parse(cmd), ['run']);
    });

    const port = await freePort();
    await step('Pebble, nginx (placeholder certificate) and the reload hook on the host loopback', async () => {
      pebble = await startPebble({ dir: path.join(dir, 'pebble') });
      const certFile = path.join(certs, 'live', 'web', 'fullchain.pem');
      const keyFile = path.join(certs, 'live', 'web', 'privkey.pem');
      writePlaceholder(certFile, keyFile);
      // The container's user writes here; nginx (root on the host) reads.
      for (const p of [certs, path.join(certs, 'live'), path.join(certs, 'live', 'web'), certFile, keyFile]) fs.chownSync(p, 1000, 1000);
      nginx = await startNginx(path.join(dir, 'nginx'), [{ server_name: 'a.test', port, cert: certFile, key: keyFile }]);
      hook = await startReloadHook(nginx);
      fs.mkdirSync(etc);
      fs.copyFileSync(pebble.caBundleFile, path.join(etc, 'listener-ca.pem'));
      fs.copyFileSync(pebble.rootFile, path.join(etc, 'pebble-root.pem'));
      fs.writeFileSync(path.join(etc, 'certloop.yaml'), imageConfig({ pebble, port, hookPort: hook.port }));
    });

    // Everything a user's `podman run` needs, and nothing more: no --user, no -c (the image's
    // CERTLOOP_CONFIG points at /etc/certloop/certloop.yaml), no writable root.
    const asUsersRun = [
      '--network', 'host', '--read-only', '--tmpfs', '/tmp',
      '-v', `${etc}:/etc/certloop:ro`, '-v', `${volume}:/var/lib/certloop`, '-v', `${certs}:/srv/certloop`,
      ...runFlags,
    ];
    const runArgs = (extra: string[] = []) => ['run', '--rm', ...asUsersRun, ...extra];
    const certloop = (...args: string[]) => podmanCmd([...runArgs(), image, ...args]);

    await step('certloop --help', async () => {
      const r = await certloop('--help');
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /^Usage: certloop/m);
    });

    await step('the root filesystem is read-only; /tmp, the state volume and the certificate volume are writable', async () => {
      const probe = `const fs=require('fs');const out={uid:process.getuid(),gid:process.getgid()};for(const d of ['/app','/etc/certloop','/home/node','/tmp','/var/lib/certloop','/srv/certloop']){try{fs.writeFileSync(d+'/.probe','x');fs.rmSync(d+'/.probe');out[d]='writable'}catch(e){out[d]=e.code}}console.log(JSON.stringify(out))`;
      const r = await podmanCmd([...runArgs(['--entrypoint', 'node']), image, '-e', probe]);
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(JSON.parse(r.stdout), {
        uid: 1000, gid: 1000,
        '/app': 'EROFS', '/etc/certloop': 'EROFS', '/home/node': 'EROFS',
        '/tmp': 'writable', '/var/lib/certloop': 'writable', '/srv/certloop': 'writable',
      });
    });

    await step('certloop config check', async () => {
      const r = await certloop('config', 'check');
      assert.equal(r.code, 0, show(r));
    });

    await step('certloop run --json: issue from Pebble, deploy to the volume, reload nginx, verify', async () => {
      const r = await certloop('--json', 'run');
      assert.equal(r.code, 0, show(r));
      const web = JSON.parse(r.stdout).certificates.find((c: { name: string }) => c.name === 'web');
      assert.ok(web, show(r));
      assert.equal(web.renewed, true, show(r));
      assert.equal(web.deployed, true, show(r));
      assert.equal(web.verified, true, show(r));
      assert.equal(web.deployedSerial, web.issuedSerial);
    });

    await step('on the host: the deployed files belong to the image user, nginx was reloaded and serves them', async () => {
      const certFile = path.join(certs, 'live', 'web', 'fullchain.pem');
      const keyFile = path.join(certs, 'live', 'web', 'privkey.pem');
      const pem = fs.readFileSync(certFile, 'utf8');
      const leaf = new X509Certificate(pem);
      assert.match(leaf.issuer, /Pebble/i, `deployed certificate issued by ${leaf.issuer}`);
      assert.ok(leaf.checkHost('a.test') && leaf.checkHost('b.test'));
      assert.ok(leaf.checkPrivateKey(createPrivateKey(fs.readFileSync(keyFile))));
      for (const f of [certFile, keyFile]) assert.equal(`${fs.statSync(f).uid}:${fs.statSync(f).gid}`, IMAGE_USER, f);
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
      assert.ok(hook!.reloads() >= 1, 'the reload hook was never called');
      assert.equal(await servedSerial(port, 'a.test'), serialOf(pem));
    });

    await step('certloop status --json (a new container, the same state volume)', async () => {
      const r = await certloop('--json', 'status');
      assert.equal(r.code, 0, show(r));
      const web = JSON.parse(r.stdout).certificates.find((c: { name: string }) => c.name === 'web');
      assert.equal(web.state, 'Ready', show(r));
      assert.deepEqual(web.serials.served, [web.serials.issued]);
    });

    await step('certloop run again: nothing due, still served', async () => {
      const r = await certloop('--json', 'run');
      assert.equal(r.code, 0, show(r));
      const web = JSON.parse(r.stdout).certificates.find((c: { name: string }) => c.name === 'web');
      assert.equal(web.renewed, false, show(r));
      assert.equal(web.verified, true, show(r));
    });

    await step('certloop daemon: /healthz answers from the host, SIGTERM (podman stop) exits 0', async () => {
      const listen = await freePort();
      const started = await podmanCmd(['run', '--detach', '--name', daemonName, ...asUsersRun, image, 'daemon', '--listen', `127.0.0.1:${listen}`, '--no-initial-run']);
      assert.equal(started.code, 0, show(started));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${listen}/healthz`).then((res) => res.status, () => 0)) === 200, 20_000, 'the daemon /healthz');
      const stopped = await podmanCmd(['stop', '--time', '15', daemonName]);
      assert.equal(stopped.code, 0, show(stopped));
      const exit = await podmanCmd(['inspect', daemonName, '--format', '{{.State.ExitCode}}']);
      assert.equal(exit.stdout.trim(), '0', `daemon exit code ${exit.stdout.trim()}\n${(await podmanCmd(['logs', daemonName])).stderr}`);
    });

    await step('no private key from the state volume in anything the containers printed', async () => {
      const mount = await podmanCmd(['volume', 'inspect', volume, '--format', '{{.Mountpoint}}']);
      assert.equal(mount.code, 0, show(mount));
      const keys = keyMaterialIn(path.join(mount.stdout.trim(), 'certloop.db'));
      assert.ok(keys.length > 0, 'expected the account and certificate keys in the state volume');
      assertNoKeyMaterial(outputs, keys, 'container output');
    });
    ok = true;
  } finally {
    await podmanCmd(['rm', '--force', '--ignore', daemonName]);
    await podmanCmd(['volume', 'rm', '--force', volume]);
    hook?.close();
    nginx?.stop();
    await pebble?.stop();
    if (ok && process.env.CHECK_IMAGE_KEEP !== '1') fs.rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`work folder kept: ${dir}\n`);
  }
  process.stdout.write('\nrun steps (seconds):\n');
  for (const [name, ms] of timings) process.stdout.write(`  ${(ms / 1000).toFixed(1).padStart(6)}  ${name}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`check-image failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);

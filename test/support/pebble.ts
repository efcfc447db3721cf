/**
 * A real Let's Encrypt Pebble (Debian package `pebble`) on loopback, with pebble-challtestsrv as
 * its DNS (it answers 127.0.0.1 for every name), for tests, the demo and benchmarks.
 *
 * Debian's pebble ships no TLS certificate for its own listener, so one is made with openssl here;
 * Pebble keeps everything in memory and makes new roots on every start, so the roots are fetched
 * from the management port each time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { makeListenerCertificate } from './listener-cert.js';
import { freePort, waitFor } from './net.js';

export { makeListenerCertificate };

export interface PebbleOptions {
  /** Folder for generated files (certificates, config, logs). */
  dir: string;
  /** Port Pebble's VA connects to for http-01 (where the solver must listen on 127.0.0.1). */
  httpPort?: number;
  /** Certificate lifetime in seconds (Pebble default: 5 years). */
  validitySeconds?: number;
  /** Reject this share of nonces (0 = none; Pebble's default is 5%). */
  nonceRejectPercent?: number;
  /** Extra environment (e.g. PEBBLE_AUTHZREUSE). */
  env?: Record<string, string>;
  /** DNS server for validation; default: a private pebble-challtestsrv. */
  dnsServer?: string;
  /** Extra settings for Pebble's config file (e.g. externalAccountMACKeys). */
  config?: Record<string, unknown>;
}

export interface Pebble {
  directory: string;
  /** PEM of the CA that signed Pebble's own listener certificate (acme.caBundle). */
  caBundleFile: string;
  /** PEM of the root that issues certificates (verify.trust). */
  rootFile: string;
  httpPort: number;
  managementUrl: string;
  challtestsrvManagement?: string;
  stop(): Promise<void>;
}

function requireBinary(name: string): void {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    if (fs.existsSync(path.join(dir, name))) return;
  }
  throw new Error(`${name} is not installed: run \`apt-get install -y pebble nginx\` (scripts/test.sh does this as root)`);
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  requireBinary('pebble');
  requireBinary('pebble-challtestsrv');
  fs.mkdirSync(opts.dir, { recursive: true });
  const listener = makeListenerCertificate(opts.dir);
  const [acmePort, mgmtPort, tlsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const httpPort = opts.httpPort ?? (await freePort());
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    await Promise.all(children.map(stopChild));
  };

  try {
    let dnsServer = opts.dnsServer;
    let challtestsrvManagement: string | undefined;
    if (!dnsServer) {
      const [dnsPort, ctsMgmt] = await Promise.all([freePort('udp'), freePort()]);
      const cts = spawn(
        'pebble-challtestsrv',
        ['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${ctsMgmt}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv6', ''],
        { stdio: ['ignore', logFile(opts.dir, 'challtestsrv.log'), logFile(opts.dir, 'challtestsrv.log')] },
      );
      children.push(cts);
      dnsServer = `127.0.0.1:${dnsPort}`;
      challtestsrvManagement = `http://127.0.0.1:${ctsMgmt}`;
      await waitFor(() => httpOk(`${challtestsrvManagement}/`), 10_000, 'pebble-challtestsrv to start');
    }

    const configFile = path.join(opts.dir, 'pebble-config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${mgmtPort}`,
          certificate: listener.cert,
          privateKey: listener.key,
          httpPort,
          tlsPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
          ...(opts.validitySeconds ? { certificateValidityPeriod: opts.validitySeconds } : {}),
          ...opts.config,
        },
      }),
    );
    const pebble = spawn('pebble', ['-config', configFile, '-dnsserver', dnsServer], {
      stdio: ['ignore', logFile(opts.dir, 'pebble.log'), logFile(opts.dir, 'pebble.log')],
      env: {
        ...process.env,
        PEBBLE_VA_NOSLEEP: '1',
        PEBBLE_WFE_NONCEREJECT: String(opts.nonceRejectPercent ?? 0),
        PEBBLE_AUTHZREUSE: '0',
        ...opts.env,
      },
    });
    children.push(pebble);
    const ca = fs.readFileSync(listener.ca);
    const directory = `https://127.0.0.1:${acmePort}/dir`;
    const managementUrl = `https://127.0.0.1:${mgmtPort}`;
    await waitFor(() => httpsOk(directory, ca), 15_000, 'pebble to start');

    const root = await httpsGet(`${managementUrl}/roots/0`, ca);
    const rootFile = path.join(opts.dir, 'pebble-root.pem');
    fs.writeFileSync(rootFile, root);

    return {
      directory,
      caBundleFile: listener.ca,
      rootFile,
      httpPort,
      managementUrl,
      challtestsrvManagement,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function logFile(dir: string, name: string): number {
  return fs.openSync(path.join(dir, name), 'a');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

function httpsGet(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

async function httpsOk(url: string, ca: Buffer): Promise<boolean> {
  try {
    await httpsGet(url, ca);
    return true;
  } catch {
    return false;
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

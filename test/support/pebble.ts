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
import { freePort, retryWhenPortTaken, waitFor } from './net.js';

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
  // Where Pebble's VA connects for http-01: certloop listens there later, so both are told a
  // number now (net.ts freePort).
  const httpPort = opts.httpPort ?? (await freePort());
  // Pebble and pebble-challtestsrv cannot listen on port 0 and report the port: each attempt picks
  // free ports, and a process that exits saying one was taken starts the whole thing again.
  return retryWhenPortTaken(`pebble in ${opts.dir}`, () => startPebbleOn(opts, listener, httpPort));
}

async function startPebbleOn(opts: PebbleOptions, listener: { ca: string; cert: string; key: string }, httpPort: number): Promise<Pebble> {
  // tlsPort is where Pebble's VA would connect for tls-alpn-01; nothing listens there.
  const [acmePort, mgmtPort, tlsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const children: { name: string; child: ChildProcess; log: Log }[] = [];
  const stopAll = async () => {
    await Promise.all(children.map((c) => stopChild(c.child)));
  };
  /** Throws (with what it logged) when a process of this attempt has exited. */
  const alive = () => {
    for (const c of children) {
      if (c.child.exitCode !== null || c.child.signalCode !== null) throw new Error(`${c.name} exited at start; see ${c.log.file}:\n${c.log.since().slice(-2000)}`);
    }
  };

  try {
    let dnsServer = opts.dnsServer;
    let challtestsrvManagement: string | undefined;
    if (!dnsServer) {
      const [dnsPort, ctsMgmt] = await Promise.all([freePort('udp'), freePort()]);
      const log = openLog(opts.dir, 'challtestsrv.log');
      const cts = spawn(
        'pebble-challtestsrv',
        ['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${ctsMgmt}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv6', ''],
        { stdio: ['ignore', log.fd, log.fd] },
      );
      fs.closeSync(log.fd);
      children.push({ name: 'pebble-challtestsrv', child: cts, log });
      dnsServer = `127.0.0.1:${dnsPort}`;
      challtestsrvManagement = `http://127.0.0.1:${ctsMgmt}`;
      await waitFor(() => (alive(), httpOk(`${challtestsrvManagement}/`)), 10_000, 'pebble-challtestsrv to start');
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
    const log = openLog(opts.dir, 'pebble.log');
    const pebble = spawn('pebble', ['-config', configFile, '-dnsserver', dnsServer], {
      stdio: ['ignore', log.fd, log.fd],
      env: {
        ...process.env,
        PEBBLE_VA_NOSLEEP: '1',
        PEBBLE_WFE_NONCEREJECT: String(opts.nonceRejectPercent ?? 0),
        PEBBLE_AUTHZREUSE: '0',
        ...opts.env,
      },
    });
    fs.closeSync(log.fd);
    children.push({ name: 'pebble', child: pebble, log });
    const ca = fs.readFileSync(listener.ca);
    const directory = `https://127.0.0.1:${acmePort}/dir`;
    const managementUrl = `https://127.0.0.1:${mgmtPort}`;
    // Only this Pebble's listener certificate is trusted here, so another Pebble on a port that
    // was taken cannot pass for it; a process of ours that exited says why.
    await waitFor(() => (alive(), httpsOk(directory, ca)), 15_000, 'pebble to start');

    let root: string;
    try {
      root = await httpsGet(`${managementUrl}/roots/0`, ca);
    } catch (err) {
      alive();
      throw err;
    }
    alive();
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

interface Log {
  file: string;
  fd: number;
  /** What was written since this attempt opened it. */
  since(): string;
}

function openLog(dir: string, name: string): Log {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'a');
  const from = fs.fstatSync(fd).size;
  return { file, fd, since: () => fs.readFileSync(file).subarray(from).toString('utf8') };
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

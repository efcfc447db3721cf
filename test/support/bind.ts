/**
 * A real BIND 9 (Debian package `bind9`) authoritative for test zones on a loopback port, with a
 * TSIG key allowed to update TXT records: the server the rfc2136 solver talks to, and the DNS
 * Pebble validates dns-01 against. Runs in the foreground with its own config folder.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { query } from '../../src/dns/client.js';
import { freePort, PORT_TAKEN, retryWhenPortTaken, waitFor } from './net.js';

export interface BindOptions {
  dir: string;
  zones: string[];
  /** TSIG key name; the secret is random. */
  keyName?: string;
  /** More zone-file lines per zone (relative names), e.g. `www IN A 127.0.0.1`. */
  records?: Record<string, string[]>;
  /** Allow zone transfers (AXFR) to holders of the TSIG key; default: no transfers. */
  allowTransfer?: boolean;
}

export interface Bind {
  port: number;
  /** "127.0.0.1:PORT". */
  server: string;
  tsig: { name: string; algorithm: 'hmac-sha256'; secret: string };
  /** A file of BIND's key statement, for `nsupdate -k`. */
  keyFile: string;
  logFile: string;
  stop(): Promise<void>;
}

export function namedBinary(): string {
  for (const p of ['/usr/sbin/named', '/usr/bin/named']) if (fs.existsSync(p)) return p;
  throw new Error('named is not installed: run `apt-get install -y bind9 bind9-dnsutils` (scripts/test.sh does this as root)');
}

/**
 * Debian ships an AppArmor profile that confines /usr/sbin/named to /etc/bind, /var/lib/bind and
 * /var/cache/bind. Where it is enforced (a Debian VM; containers usually have no AppArmor), named
 * could not read this test's config folder, so a copy of the binary is run instead: profiles
 * attach by path. The test then exercises the same named, only unconfined.
 */
function unconfinedNamed(named: string, dir: string): string {
  let profiles = '';
  try {
    profiles = fs.readFileSync('/sys/kernel/security/apparmor/profiles', 'utf8');
  } catch {
    return named;
  }
  if (!/^named \(enforce\)/m.test(profiles)) return named;
  const copy = path.join(dir, 'named');
  fs.copyFileSync(named, copy);
  fs.chmodSync(copy, 0o755);
  return copy;
}

/** A port free for both UDP and TCP on 127.0.0.1 (DNS listens on both). */
async function freeDnsPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort('tcp');
    const ok = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no port free for both UDP and TCP on 127.0.0.1');
}

export async function startBind(opts: BindOptions): Promise<Bind> {
  const named = namedBinary();
  const dir = path.resolve(opts.dir);
  fs.mkdirSync(dir, { recursive: true });
  const keyName = opts.keyName ?? 'certloop';
  const secret = randomBytes(32).toString('base64');
  const keyStatement = `key "${keyName}" { algorithm hmac-sha256; secret "${secret}"; };\n`;
  const keyFile = path.join(dir, 'tsig.key');
  fs.writeFileSync(keyFile, keyStatement, { mode: 0o600 });

  for (const zone of opts.zones) {
    fs.writeFileSync(
      path.join(dir, `${zone}.zone`),
      [
        '$TTL 60',
        `@ IN SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`,
        `@ IN NS ns.${zone}.`,
        'ns IN A 127.0.0.1',
        ...(opts.records?.[zone] ?? []),
        '',
      ].join('\n'),
    );
  }

  // BIND cannot listen on port 0 and report the port: one is picked free, and named started again
  // with another when it finds the port taken (it logs that and keeps running without it).
  return retryWhenPortTaken(`named in ${dir}`, async () => {
    const port = await freeDnsPort();
    const conf = [
      'options {',
      `  directory "${dir}";`,
      `  pid-file "${path.join(dir, 'named.pid')}";`,
      `  session-keyfile "${path.join(dir, 'session.key')}";`,
      `  managed-keys-directory "${dir}";`,
      `  listen-on port ${port} { 127.0.0.1; };`,
      '  listen-on-v6 { none; };',
      '  recursion no;',
      '  dnssec-validation no;',
      '  notify no;',
      `  allow-transfer { ${opts.allowTransfer ? `key ${keyName};` : 'none;'} };`,
      '};',
      'controls { };',
      keyStatement.trim(),
      ...opts.zones.map(
        (zone) => `zone "${zone}" { type primary; file "${path.join(dir, `${zone}.zone`)}"; update-policy { grant ${keyName} zonesub TXT; }; };`,
      ),
      '',
    ].join('\n');
    const confFile = path.join(dir, 'named.conf');
    fs.writeFileSync(confFile, conf);

    const logFile = path.join(dir, 'named.log');
    // A new log per attempt: an earlier attempt's "address in use" must not fail this one.
    const log = fs.openSync(logFile, 'w');
    // -g: foreground, log to stderr; -4: IPv4 only; -n 1: one worker (the machine is shared).
    const child: ChildProcess = spawn(unconfinedNamed(named, dir), ['-g', '-4', '-n', '1', '-c', confFile], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    let exited = false;
    child.once('exit', () => (exited = true));

    const stop = async () => {
      if (exited) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    };

    try {
      await waitFor(
        async () => {
          if (exited) throw new Error(`named exited at start; see ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
          try {
            const r = await query({ host: '127.0.0.1', port }, opts.zones[0], 'SOA', { recursion: false, timeoutMs: 500 });
            return r.rcode === 'NOERROR';
          } catch {
            return false;
          }
        },
        15_000,
        `named on 127.0.0.1:${port}`,
      );
      // It answered, but maybe not on every socket (or it was another named on that port).
      const taken = fs.readFileSync(logFile, 'utf8').split('\n').find((l) => PORT_TAKEN.test(l));
      if (taken) throw new Error(`named could not listen on 127.0.0.1:${port}: ${taken}`);
    } catch (err) {
      await stop();
      throw err;
    }
    return { port, server: `127.0.0.1:${port}`, tsig: { name: keyName, algorithm: 'hmac-sha256', secret }, keyFile, logFile, stop };
  });
}

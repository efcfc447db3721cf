/** Running the built `certloop daemon` as a child process and reading its HTTP pages, for e2e tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { CLI, recordOutput } from './cli.js';
import { waitFor } from './net.js';

export interface Daemon {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startDaemon(configFile: string, args: string[], env: Record<string, string> = {}): Daemon {
  const child = spawn(process.execPath, [CLI, '-c', configFile, 'daemon', ...args], {
    env: { ...process.env, CERTLOOP_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      recordOutput(out);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => out, exited };
}

/**
 * Where a daemon started with `--listen 127.0.0.1:0` listens, once it says so: the system picked
 * the port, so no other process can have taken it first.
 */
export async function listeningOn(d: Daemon, timeoutMs = 20_000): Promise<string> {
  let url: string | undefined;
  await waitFor(() => (url = /certloop daemon listening on (http:\/\/[^\s"]+)/.exec(d.output())?.[1]) !== undefined || d.child.exitCode !== null, timeoutMs, 'the daemon to listen');
  if (!url) throw new Error(`the daemon exited before it listened:\n${d.output().slice(-2000)}`);
  return url;
}

export async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

/** The value of one sample in Prometheus text, matched by name and labels. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** How many certificate leases a SQLite state file holds right now. */
export function locks(stateFile: string): number {
  const db = new Database(stateFile, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM locks').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

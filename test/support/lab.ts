/**
 * An end-to-end lab: Pebble + nginx on loopback, a config file, and the built CLI driven as a
 * user drives it (a child process, exit codes, stdout/stderr). Every captured output is kept so
 * the suite can check that no secret ever reached it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labConfig } from './lab-config.js';
import { startNginx, writePlaceholder, type Nginx } from './nginx.js';
import { freePort } from './net.js';
import { startPebble, type Pebble, type PebbleOptions } from './pebble.js';
import { assertNoKeyMaterial, keyMaterialIn } from './secrets.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'bin.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json?: any;
}

/** Every CLI output captured in this process, for the secrets check. */
export const capturedOutput: string[] = [];

/** Keep output for the secrets check, in memory and under test-artifacts/captured-output/. */
export function recordOutput(...texts: string[]): void {
  capturedOutput.push(...texts);
  const dir = path.join(ROOT, 'test-artifacts', 'captured-output');
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, `${process.pid}.txt`), texts.join('\n'));
}

/** `entry`: another entry point than the built CLI (test/support/crash-entry.ts). */
export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; entry?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.entry ?? CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, CERTLOOP_LOG_LEVEL: 'info', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      recordOutput(stdout, stderr);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

export function tempDir(prefix: string): string {
  const base = path.join(ROOT, 'test-artifacts');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${prefix}-`));
}

export interface Lab {
  dir: string;
  pebble: Pebble;
  nginx: Nginx;
  /** The HTTPS port nginx serves a.test on. */
  port: number;
  configFile: string;
  certFile: string;
  keyFile: string;
  run(...args: string[]): Promise<CliResult>;
  writeConfig(overrides?: { reload?: string[] | null; extra?: string }): void;
  stop(): Promise<void>;
}

export async function startLab(name: string, pebbleOpts: Partial<PebbleOptions> = {}): Promise<Lab> {
  const dir = tempDir(name);
  const pebble = await startPebble({ dir: path.join(dir, 'pebble'), ...pebbleOpts });
  const port = await freePort();
  const certFile = path.join(dir, 'live', 'web', 'fullchain.pem');
  const keyFile = path.join(dir, 'live', 'web', 'privkey.pem');
  writePlaceholder(certFile, keyFile);
  let nginx: Nginx;
  try {
    nginx = await startNginx(path.join(dir, 'nginx'), [{ server_name: 'a.test', port, cert: certFile, key: keyFile }]);
  } catch (err) {
    await pebble.stop();
    throw err;
  }
  const configFile = path.join(dir, 'certloop.yaml');
  const lab: Lab = {
    dir,
    pebble,
    nginx,
    port,
    configFile,
    certFile,
    keyFile,
    run: (...args) => cli(['-c', configFile, ...args]),
    writeConfig(o = {}) {
      const reload = o.reload === undefined ? nginx.reloadCommand : o.reload;
      fs.writeFileSync(
        configFile,
        labConfig({
          directory: pebble.directory,
          caBundle: pebble.caBundleFile,
          trust: pebble.rootFile,
          httpPort: pebble.httpPort,
          port,
          reload,
          // A short settle keeps the suite fast; test/e2e/confirm-deploy.test.ts shows the default (3s).
          verifyExtra: '      pollFor: 5s\n      settle: 300ms\n',
          extra: o.extra,
        }),
      );
    },
    async stop() {
      nginx.stop();
      await pebble.stop();
      // Whatever this test file printed must not contain the keys this lab's state holds.
      assertNoKeyMaterial(capturedOutput, stateFilesUnder(dir).flatMap(keyMaterialIn));
    },
  };
  lab.writeConfig();
  return lab;
}


/** The top of a config written by a test against the lab's Pebble: acme and the state file. */
export function acmeHeader(pebble: Pebble): string {
  return `acme:
  directory: ${pebble.directory}
  caBundle: ${pebble.caBundleFile}
state: ./certloop.db
`;
}

/** Every SQLite state file (*.db) a test wrote under `dir`. */
export function stateFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.db')).map((f) => path.join(dir, f));
}

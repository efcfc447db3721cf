/**
 * The built CLI driven as a user drives it: a child process, exit codes, stdout/stderr. Every
 * captured output is kept so the suite can check that no secret ever reached it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './workspace.js';

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

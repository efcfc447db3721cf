/**
 * The CLI's entry (main, as bin.js calls it) run in this process with stdout and stderr captured:
 * for tests that drive many short commands, where a process each would cost ~0.4 s.
 */
import { main } from '../../src/cli/main.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json: any;
}

export async function certloopInProcess(args: string[]): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  // The test runner reports through stdout too (as buffers): those go through.
  process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((stdout += s), true) : out.call(process.stdout, s, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((stderr += s), true) : err.call(process.stderr, s, ...rest))) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['node', 'certloop', '--log-level', 'silent', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

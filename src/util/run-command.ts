/**
 * Runs a user's command as argv, without a shell (no quoting or injection surprises), with a
 * timeout, and returns a bounded tail of its output for error messages.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

const KEEP = 4000;

export function runCommand(
  argv: string[],
  opts: { cwd?: string; timeoutMs: number; input?: string; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-KEEP)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-KEEP)));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr });
    });
    child.stdin.on('error', () => {
      // The command may exit without reading its input; that is not our failure.
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function describeCommandFailure(argv: string[], r: CommandResult, timeoutMs: number): string {
  const what = argv.join(' ');
  if (r.timedOut) return `\`${what}\` did not finish within ${Math.round(timeoutMs / 1000)}s and was killed`;
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
  const status = r.signal ? `was killed by ${r.signal}` : `exited with ${r.code}`;
  return `\`${what}\` ${status}${out ? `: ${out}` : ''}`;
}

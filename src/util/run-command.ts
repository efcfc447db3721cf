/**
 * Runs a user's command as argv, without a shell (no quoting or injection surprises), with a
 * timeout, and returns a bounded tail of its output for error messages.
 *
 * The command runs in a process group of its own (a new session) so the timeout reaches
 * everything it started: `[sh, -c, "sleep 40; true"]` with a 3 s timeout took 41 s when only
 * `sh` was killed, because the orphaned `sleep` kept the output pipes open (issue 16, item 7).
 * When the command itself exits, its output is collected for a moment and then no longer
 * waited for: `sleep 25 & exit 0` held a run for 26 s. What it left running in the background is
 * not killed then (a reload may legitimately start something); it only loses its output pipes.
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

/** After the command exits, how long output still in the pipes is read before they are closed. */
const DRAIN_MS = 100;

export function runCommand(
  argv: string[],
  opts: { cwd?: string; timeoutMs: number; input?: string; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // setsid(): the command leads a new process group, which the timeout kills as a whole.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let drain: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-KEEP)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-KEEP)));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    let settled = false;
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drain);
      // Whatever still holds the pipes (a background grandchild) is not waited for.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, signal, timedOut, stdout, stderr });
    };
    // 'close' comes once the pipes are closed too: the usual case, with all the output.
    child.on('close', settle);
    child.on('exit', (code, signal) => {
      drain = setTimeout(() => settle(code, signal), DRAIN_MS);
    });
    child.stdin.on('error', () => {
      // The command may exit without reading its input; that is not our failure.
    });
    child.stdin.end(opts.input ?? '');
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already (every member exited).
  }
}

export function describeCommandFailure(argv: string[], r: CommandResult, timeoutMs: number): string {
  const what = argv.join(' ');
  if (r.timedOut) return `\`${what}\` did not finish within ${Math.round(timeoutMs / 1000)}s and was killed`;
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
  const status = r.signal ? `was killed by ${r.signal}` : `exited with ${r.code}`;
  return `\`${what}\` ${status}${out ? `: ${out}` : ''}`;
}

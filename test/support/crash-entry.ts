/**
 * certloop's CLI as bin.ts runs it, plus a crash: CERTLOOP_TEST_CRASH_AT names a step boundary
 * (src/controller/step-hook.ts; `reload-done:1` for the first target) and the process kills itself
 * with SIGKILL there, as `kill -9` or the OOM killer would, so a crash-resume test can show that
 * the next run finishes the job with the same certificate. Only this test entry point reads the
 * variable; the CLI users run never does.
 */
import { main } from '../../src/cli/main.js';
import type { StepBoundary } from '../../src/controller/step-hook.js';

const wanted = process.env.CERTLOOP_TEST_CRASH_AT;

function crashAt(boundary: StepBoundary, index?: number): void {
  if (wanted !== boundary && (index === undefined || wanted !== `${boundary}:${index}`)) return;
  process.stderr.write(`certloop: CERTLOOP_TEST_CRASH_AT=${wanted}: killing this process (test hook)\n`);
  process.kill(process.pid, 'SIGKILL');
  // Make sure nothing after the boundary runs while the signal is delivered.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}

process.exitCode = await main(process.argv, { onStep: crashAt });

/**
 * TEST-ONLY hook: crash-resume tests set CERTLOOP_TEST_CRASH_AT to a step boundary and the process
 * kills itself with SIGKILL there, exactly like `kill -9` or the OOM killer would, so the test can
 * show that the next run finishes the job with the same certificate. Unset in production, where
 * every call is a cheap no-op. Boundaries (see src/controller/certificate.ts):
 *
 *   order-placed        the order URL is stored, nothing validated yet
 *   downloaded          the certificate is downloaded but not yet stored
 *   issued              the certificate is stored, nothing deployed
 *   reload-done:N       target N (1-based) wrote its files and reloaded, not yet recorded
 *   target-deployed:N   target N is recorded as deployed, the next target not started
 *   mid-verify          the endpoints were probed, the outcome not yet recorded
 */
export function crashPoint(point: string, index?: number): void {
  const wanted = process.env.CERTLOOP_TEST_CRASH_AT;
  if (!wanted) return;
  if (wanted === point || (index !== undefined && wanted === `${point}:${index}`)) {
    process.stderr.write(`certloop: CERTLOOP_TEST_CRASH_AT=${wanted}: killing this process (test hook)\n`);
    process.kill(process.pid, 'SIGKILL');
    // Make sure nothing after the boundary runs while the signal is delivered.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
  }
}

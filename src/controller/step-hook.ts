/**
 * A look inside the loop for one certificate (certificate.ts), for tests: called at each step
 * boundary, after everything before it is stored and before anything after it starts. Only a test
 * entry point sets it (test/support/crash-entry.ts kills the process there, as `kill -9` or the
 * OOM killer would, to show that the next run finishes the job with the same certificate);
 * certloop itself never does. The boundaries:
 *
 *   order-placed        the order URL is stored, nothing validated yet
 *   downloaded          the certificate is downloaded but not yet stored
 *   issued              the certificate is stored, nothing deployed
 *   reload-done         target `index` (1-based) wrote its files and reloaded, not yet recorded
 *   target-deployed     target `index` is recorded as deployed, the next target not started
 *   mid-verify          the endpoints were probed, the outcome not yet recorded
 */
export type StepBoundary = 'order-placed' | 'downloaded' | 'issued' | 'reload-done' | 'target-deployed' | 'mid-verify';

export type StepHook = (boundary: StepBoundary, index?: number) => void;

/** `certloop daemon`: run on a schedule, serve /metrics and /healthz, stop cleanly on SIGTERM. */
import { runDaemon } from '../../daemon/daemon.js';
import { withContext, type GlobalOptions } from '../context.js';

export interface DaemonCommandOptions extends GlobalOptions {
  listen?: string;
  schedule?: string;
  verifyInterval?: number;
  initialRun?: boolean;
}

export async function daemonCommand(opts: DaemonCommandOptions): Promise<number> {
  return withContext(opts, ({ config, store, log }) =>
    runDaemon({ config, store, log, listen: opts.listen, schedule: opts.schedule, verifyIntervalMs: opts.verifyInterval, initialRun: opts.initialRun, onStep: opts.onStep }),
  );
}

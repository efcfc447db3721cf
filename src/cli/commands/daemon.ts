/** `certloop daemon`: run continuously, serve /metrics, /healthz and the status page (daemon.action.ts). */
import { InvalidArgumentError, type Command } from 'commander';
import { BOUNDS } from '../../config/bounds.js';
import { validateCronExpression } from '../../util/cron-expression.js';
import { formatDuration, parseDuration } from '../../util/duration.js';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('daemon')
    .description('run continuously: full runs on a cron schedule, verify passes in between, /metrics and /healthz over HTTP')
    .option('--listen <host:port>', 'HTTP address for /metrics, /healthz and / (default: listen: in the config, else 127.0.0.1:9464)', (v) => parseHostPort(v))
    .option('--schedule <cron>', 'cron expression for full runs (default: schedule: in the config, else twice a day at a minute fixed per installation)', (v) => parseCron(v))
    .option('--verify-interval <duration>', 'time between verify passes, 1s to 365d, e.g. 10m (default: verifyInterval: in the config, else 1h)', (v) => parseDurationOption(v))
    .option('--no-initial-run', 'wait for the schedule instead of running once at start')
    .addHelpText(
      'after',
      `
A run happens at start, then on the schedule; between runs, deployed certificates are re-verified
every verify interval (a verify pass never contacts the CA). One pass at a time: a tick that comes
while a pass is working is skipped. The near-expiry drill (certloop drill) runs on drill.schedule
(default weekly, at a time fixed per installation; drill.enabled: false turns it off); results go
to status, /metrics and notifications. /healthz answers 503 while a pass overruns its deadline
(passTimeout). SIGTERM or SIGINT cuts a CA request or post-deploy polling short, otherwise stops at
the next step boundary, releases the locks and exits 0 within shutdownTimeout (default 30s; past it,
exits 1 with the locks released); a second signal exits at once.

Examples:
  certloop daemon
  certloop daemon --listen 0.0.0.0:9464 --schedule "17 4,16 * * *" --verify-interval 15m
  curl -s localhost:9464/metrics | grep certloop_certificate_expiration
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (o: { listen?: string; schedule?: string; verifyInterval?: number; initialRun?: boolean }, cmd: Command) => {
      const { daemonCommand } = await import('./daemon.action.js');
      return daemonCommand({ ...globalOptions(cli, cmd), ...o });
    }));

}

function parseHostPort(v: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new InvalidArgumentError('expected HOST:PORT with a port up to 65535, e.g. 127.0.0.1:9464');
  return v;
}

function parseCron(v: string): string {
  const r = validateCronExpression(v);
  if (!r.valid) throw new InvalidArgumentError(`not a cron expression (${r.error?.message ?? 'invalid'}); e.g. "17 4,16 * * *"`);
  return v;
}

function parseDurationOption(v: string): number {
  const ms = parseDuration(v);
  const [min, max] = BOUNDS.verifyInterval;
  if (ms === undefined || ms < min || ms > max) throw new InvalidArgumentError(`expected a duration such as 30s, 10m or 1h, between ${formatDuration(min)} and ${formatDuration(max)}`);
  return ms;
}

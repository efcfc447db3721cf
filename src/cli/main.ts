/**
 * The command table. Each command lives in commands/<name>.ts (parse → call → print); this file
 * only wires options and turns errors into exit codes: 0 all good, 1 something failed or is not
 * served, 2 bad usage or config.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { validateCronExpression } from 'cron';
import { parseDuration } from '../util/duration.js';
import { CertloopError, ConfigError, describeError } from '../errors.js';
import { EXIT, type GlobalOptions } from './context.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  everything is issued, deployed and served (or nothing was due)
  1  something failed, or an endpoint does not serve the deployed certificate yet
  2  bad usage or configuration (the message names the file, field and fix)

Configuration: -c FILE, else $CERTLOOP_CONFIG, else ./certloop.yaml (see README.md).`;

function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

let exitCode: number = EXIT.OK;

/** Commander ignores what actions return; actions hand their exit code back through here. */
function act<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitCode = await fn(...args);
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command('certloop')
    .description('Renew ACME certificates, deploy them, and confirm every endpoint serves the new serial.')
    .option('-c, --config <file>', 'configuration file (default: $CERTLOOP_CONFIG or ./certloop.yaml)')
    .option('--json', 'print machine-readable JSON on stdout (logs stay on stderr)')
    .addOption(new Option('--log-level <level>', 'log level for stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

  program
    .command('run')
    .description('one pass over all certificates: decide, issue what is due, deploy, verify')
    .addHelpText(
      'after',
      `
Safe to run as often as you like (cron, systemd timer, Kubernetes CronJob): certificates that are
not due are only re-verified. A deploy or verification that failed earlier is retried with the same
certificate; certloop never orders a new one because a later step failed.

Examples:
  certloop run
  certloop run --json > last-run.json
  certloop run --metrics-file /var/lib/node_exporter/textfile/certloop.prom
${EXIT_CODES_HELP}`,
    )
    .option('--metrics-file <path>', "write Prometheus metrics to PATH after the run, atomically (node_exporter's textfile collector)")
    .action(act(async (o: { metricsFile?: string }, cmd: Command) => {
      const { runCommand } = await import('./commands/run.js');
      return runCommand({ ...globalOptions(cmd), metricsFile: o.metricsFile });
    }));

  program
    .command('renew')
    .description('renew the named certificates now if due (the manual trigger); --force renews even when not due')
    .argument('<name...>', 'certificate names from the config')
    .option('--force', 'order a new certificate even if the current one is not due')
    .option('--metrics-file <path>', 'write Prometheus metrics to PATH after the run, atomically')
    .addHelpText(
      'after',
      `
Examples:
  certloop renew web               # do whatever is due for "web" right now
  certloop renew web api --force   # new certificates for both, then deploy and verify
${EXIT_CODES_HELP}`,
    )
    .action(act(async (names: string[], o: { force?: boolean; metricsFile?: string }, cmd: Command) => {
      const { runCommand } = await import('./commands/run.js');
      return runCommand({ ...globalOptions(cmd), names, force: o.force, metricsFile: o.metricsFile });
    }));

  program
    .command('verify')
    .description('check now that endpoints serve the deployed certificate, or probe any endpoint ad hoc')
    .argument('[name...]', 'certificate names from the config (default: all)')
    .option('--endpoint <host:port>', 'probe this endpoint without a config (repeatable)', collect)
    .option('--sni <name>', 'SNI to send with --endpoint (default: the host when it is a name)')
    .option('--expect-serial <hex>', 'with --endpoint: exit 1 unless this serial is served (any format: 0A:1B, 0a1b)')
    .option('--trust <file>', 'with --endpoint: extra trusted roots (PEM) for the chain check')
    .option('--timeout <ms>', 'per-connection timeout in milliseconds', (v) => Number(v))
    .addHelpText(
      'after',
      `
Examples:
  certloop verify                         # every configured certificate, against its deployed serial
  certloop verify --endpoint example.com:443
  certloop verify --endpoint 127.0.0.1:8443 --sni a.test --expect-serial 0A1B2C --trust root.pem
${EXIT_CODES_HELP}`,
    )
    .action(act(async (names: string[], o: Record<string, unknown>, cmd: Command) => {
      const { verifyCommand } = await import('./commands/verify.js');
      return verifyCommand({ ...globalOptions(cmd), ...o, names: names.length ? names : undefined });
    }));

  program
    .command('status')
    .description("each certificate's state, serials (issued, deployed, served), expiry, conditions and next action")
    .argument('[name...]', 'certificate names (default: all)')
    .addHelpText('after', `\nExit status is 0 when every certificate is Ready, 1 otherwise.\n${EXIT_CODES_HELP}`)
    .action(act(async (names: string[], _o, cmd: Command) => {
      const { statusCommand } = await import('./commands/status.js');
      return statusCommand({ ...globalOptions(cmd), names: names.length ? names : undefined });
    }));

  program
    .command('daemon')
    .description('run continuously: full runs on a cron schedule, verify passes in between, /metrics and /healthz over HTTP')
    .option('--listen <host:port>', 'HTTP address for /metrics, /healthz and / (default: listen: in the config, else 127.0.0.1:9464)', (v) => parseHostPort(v))
    .option('--schedule <cron>', 'cron expression for full runs (default: schedule: in the config, else twice a day at a minute fixed per installation)', (v) => parseCron(v))
    .option('--verify-interval <duration>', 'time between verify passes, e.g. 10m (default: verifyInterval: in the config, else 1h)', (v) => parseDurationOption(v))
    .option('--no-initial-run', 'wait for the schedule instead of running once at start')
    .addHelpText(
      'after',
      `
A run happens at start, then on the schedule; between runs, deployed certificates are re-verified
every verify interval (a verify pass never contacts the CA). One pass at a time: a tick that comes
while a pass is working is skipped. SIGTERM or SIGINT stops at the next step boundary, releases
the locks and exits 0; a second signal exits at once.

Examples:
  certloop daemon
  certloop daemon --listen 0.0.0.0:9464 --schedule "17 4,16 * * *" --verify-interval 15m
  curl -s localhost:9464/metrics | grep certloop_certificate_expiration
${EXIT_CODES_HELP}`,
    )
    .action(act(async (o: { listen?: string; schedule?: string; verifyInterval?: number; initialRun?: boolean }, cmd: Command) => {
      const { daemonCommand } = await import('./commands/daemon.js');
      return daemonCommand({ ...globalOptions(cmd), ...o });
    }));

  return program;
}

function parseHostPort(v: string): string {
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(v)) throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:9464');
  return v;
}

function parseCron(v: string): string {
  const r = validateCronExpression(v);
  if (!r.valid) throw new InvalidArgumentError(`not a cron expression (${r.error?.message ?? 'invalid'}); e.g. "17 4,16 * * *"`);
  return v;
}

function parseDurationOption(v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 30s, 10m or 1h');
  return ms;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = buildProgram();
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are not errors; commander already printed them.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
    return EXIT.USAGE;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`certloop: invalid configuration (${err.problems.length} problem${err.problems.length > 1 ? 's' : ''}):\n`);
    for (const line of err.message.split('\n')) process.stderr.write(`  ${line}\n`);
    return EXIT.USAGE;
  }
  if (err instanceof CertloopError) {
    process.stderr.write(`certloop: ${err.message}\n`);
    return err.code === 'USAGE' ? EXIT.USAGE : EXIT.FAILED;
  }
  process.stderr.write(`certloop: unexpected error: ${describeError(err)}\n`);
  if (process.env.CERTLOOP_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return EXIT.FAILED;
}

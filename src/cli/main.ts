/**
 * The command table. Each command lives in commands/<name>.ts (parse → call → print); this file
 * only wires options and turns errors into exit codes: 0 all good, 1 something failed or is not
 * served, 2 bad usage or config.
 */
import { Command, CommanderError, Option } from 'commander';
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
  certloop run --shard 0/4      # this process takes a quarter of the certificates (0/4 … 3/4)
  certloop run --shard auto/4   # Kubernetes Indexed Job: the index comes from $JOB_COMPLETION_INDEX

Sharding splits certificates by a stable hash of their name, so N processes sharing one state store
(state: { type: azure-blob }) cover every certificate exactly once; locks still guard overlaps.
${EXIT_CODES_HELP}`,
    )
    .option('--shard <index/count>', 'only the certificates of shard INDEX of COUNT (0-based), or auto/COUNT with $JOB_COMPLETION_INDEX')
    .action(act(async (o: { shard?: string }, cmd: Command) => {
      const { runCommand } = await import('./commands/run.js');
      return runCommand({ ...globalOptions(cmd), shard: o.shard });
    }));

  program
    .command('renew')
    .description('renew the named certificates now if due (the manual trigger); --force renews even when not due')
    .argument('<name...>', 'certificate names from the config')
    .option('--force', 'order a new certificate even if the current one is not due')
    .addHelpText(
      'after',
      `
Examples:
  certloop renew web               # do whatever is due for "web" right now
  certloop renew web api --force   # new certificates for both, then deploy and verify
${EXIT_CODES_HELP}`,
    )
    .action(act(async (names: string[], o: { force?: boolean }, cmd: Command) => {
      const { runCommand } = await import('./commands/run.js');
      return runCommand({ ...globalOptions(cmd), names, force: o.force });
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

  return program;
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

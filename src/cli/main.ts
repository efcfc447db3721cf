/**
 * The command table: the program with its global options, then each command's definition from
 * commands/<name>.ts, in the order `certloop --help` lists them. A command's implementation
 * (commands/<name>.action.ts) is imported when it runs, so one command does not load the others
 * (command.ts). Errors become exit codes: 0 all good, 1 something failed or is not served, 2 bad
 * usage or config.
 */
import { Command, Option } from 'commander';
import { EXIT_CODES_HELP, type CliInvocation, type Register } from './command.js';
import { register as config } from './commands/config.js';
import { register as daemon } from './commands/daemon.js';
import { register as discover } from './commands/discover.js';
import { register as drill } from './commands/drill.js';
import { register as forecast } from './commands/forecast.js';
import { register as init } from './commands/init.js';
import { register as plan } from './commands/plan.js';
import { register as renew } from './commands/renew.js';
import { register as report } from './commands/report.js';
import { register as rollback } from './commands/rollback.js';
import { register as revoke } from './commands/revoke.js';
import { register as account } from './commands/account.js';
import { register as run } from './commands/run.js';
import { register as status } from './commands/status.js';
import { register as verify } from './commands/verify.js';
import { register as watch } from './commands/watch.js';
import type { StepHook } from '../controller/step-hook.js';
import { EXIT } from './context.js';
import { reportError, wantsJson } from './report-error.js';

/** In the order of `certloop --help`. */
const COMMANDS: Register[] = [run, renew, verify, status, watch, init, config, rollback, revoke, account, report, plan, forecast, drill, discover, daemon];

export function buildProgram(cli: CliInvocation = { exitCode: EXIT.OK }): Command {
  const program = new Command('certloop')
    .description('Renew ACME certificates, deploy them, and confirm every endpoint serves the new serial.')
    .option('-c, --config <file>', 'configuration file (default: $CERTLOOP_CONFIG or ./certloop.yaml)')
    .option('--json', 'print machine-readable JSON on stdout (logs stay on stderr)')
    .addOption(new Option('--log-level <level>', 'log level for stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  for (const register of COMMANDS) register(program, cli);
  return program;
}

export interface MainOptions {
  /**
   * Called at each step boundary of each certificate (controller/step-hook.ts). For test entry
   * points only (test/support/crash-entry.ts): bin.ts never sets it.
   */
  onStep?: StepHook;
}

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const cli: CliInvocation = { exitCode: EXIT.OK, onStep: options.onStep };
  try {
    await buildProgram(cli).parseAsync(argv);
    return cli.exitCode;
  } catch (err) {
    return reportError(err, { json: wantsJson(argv) });
  }
}

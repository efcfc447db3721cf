/** `certloop renew NAME...`: the manual trigger; the same pass as `run`, for the named certificates (run.action.ts). */
import type { Command } from 'commander';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('renew')
    .description('renew the named certificates now if due (the manual trigger); --force renews even when not due')
    .argument('<name...>', 'certificate names from the config')
    .option('--force', 'order a new certificate even if the current one is not due')
    .option('--ca <ca>', 'order only from this CA, no failover: primary, fallback (the first), fallback-N, or a configured directory URL')
    .option('--metrics-file <path>', 'write Prometheus metrics to PATH after the run, atomically')
    .addHelpText(
      'after',
      `
Examples:
  certloop renew web               # do whatever is due for "web" right now
  certloop renew web api --force   # new certificates for both, then deploy and verify
  certloop renew web --force --ca fallback   # the primary CA is down: order from acme.fallback[0] now
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (names: string[], o: { force?: boolean; ca?: string; metricsFile?: string }, cmd: Command) => {
      const { runCommand } = await import('./run.action.js');
      return runCommand({ ...globalOptions(cli, cmd), names, force: o.force, ca: o.ca, metricsFile: o.metricsFile });
    }));
}

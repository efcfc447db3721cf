/** `certloop drill`: the near-expiry fire drill (drill.action.ts). */
import type { Command } from 'commander';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('drill')
    .description('near-expiry fire drill: prove renewal works now (staging CA, drill copies), production untouched')
    .argument('[name...]', 'certificate names (default: all)')
    .option('--at <time>', 'the simulated time (default: when the policy would renew); same forms as plan --at')
    .addHelpText(
      'after',
      `
Runs the real pipeline with the clock set near expiry: decide, order from acme.staging (Let's
Encrypt staging for Let's Encrypt), check, deploy to drill copies (a file target writes FILE.drill
beside each file, runs no reload, and removes them), then confirms every endpoint still serves the
last deployed serial. Each step reports pass or fail with the reason; exit 0 only when all pass.
The result is recorded like the daemon's scheduled drills: status shows the last drill, and a
failure (drill_failed) or a recovery (drill_recovered) is notified.

Examples:
  certloop drill
  certloop drill web --json
  certloop drill web --at +60d
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (names: string[], o: { at?: string }, cmd: Command) => {
      const { drillCommand } = await import('./drill.action.js');
      return drillCommand({ ...globalOptions(cli, cmd), names: names.length ? names : undefined, at: o.at });
    }));
}

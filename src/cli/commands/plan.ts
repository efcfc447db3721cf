/** `certloop plan`: what a run at a given time would do, and why (plan.action.ts). */
import type { Command } from 'commander';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('plan')
    .description('what a run at a given time would do for each certificate, and why (read-only)')
    .argument('[name...]', 'certificate names (default: all)')
    .option('--at <time>', 'ISO 8601 time, "now", or relative to now: +30d, +2h, -1d (default: now)')
    .addHelpText(
      'after',
      `
Uses exactly the decision function \`run\` uses, on the stored state and the last ARI window
(plan never contacts the CA and never writes state), so a plan at T predicts a run at T.

Examples:
  certloop plan                    # what would a run do now
  certloop plan --at +30d          # ... in 30 days
  certloop plan web --at 2026-09-01T00:00:00Z --json
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (names: string[], o: { at?: string }, cmd: Command) => {
      const { planCommand } = await import('./plan.action.js');
      return planCommand({ ...globalOptions(cli, cmd), names: names.length ? names : undefined, at: o.at });
    }));
}

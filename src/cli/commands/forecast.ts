/** `certloop forecast`: the renewal schedule ahead, simulated (forecast.action.ts). */
import type { Command } from 'commander';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('forecast')
    .description('simulate the renewal schedule ahead: every renewal and alert, and what would hurt')
    .argument('[name...]', 'certificate names (default: all)')
    .option('--days <n>', 'how many days to simulate (default 180)')
    .option('--every <interval>', 'how often certloop runs (cron/timer interval), e.g. 1h, 12h, 1d (default 12h)')
    .option('--from <time>', 'start of the simulation (default: now); same forms as plan --at')
    .option('--svg <file>', 'also write the timeline as a self-contained SVG')
    .addHelpText(
      'after',
      `
Each renewal is assumed to succeed with the lifetime seen so far. Flags certificates that would
expire before the next run, renewal windows too short for the retry schedule to recover from one
failed day, and verify deadlines longer than the life left at renewal. Exit 1 when anything is
flagged.

Examples:
  certloop forecast
  certloop forecast --days 365 --every 1d --svg forecast.svg
  certloop forecast web --json
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (names: string[], o: Record<string, string>, cmd: Command) => {
      const { forecastCommand } = await import('./forecast.action.js');
      return forecastCommand({ ...globalOptions(cli, cmd), ...o, names: names.length ? names : undefined });
    }));
}

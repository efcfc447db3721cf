/** `certloop report --html FILE`: the status page, written to a file (report.action.ts). */
import type { Command } from 'commander';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('report')
    .description('write the status page (the one the daemon serves at /) to a file, from the state store')
    .option('--html <file>', 'write a self-contained HTML page here, atomically ("-" for stdout)')
    .addHelpText(
      'after',
      `
The page lists every certificate most urgent first: state and conditions, the serial issued,
deployed and served per endpoint address (stale addresses stand out), expiry, the next renewal time
and its source, recent events and failures, and a timeline of validity periods. It needs no
JavaScript and loads nothing from the network. It reads the state store only; run \`certloop run\`
first for fresh results. Exit status is 0 when the page was written, whatever it shows.

Examples:
  certloop report --html /var/www/certloop/index.html
  certloop run; certloop report --html status.html
  certloop report --html - | mail -a 'Content-Type: text/html' -s 'certificates' ops@example.com
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (o: { html?: string }, cmd: Command) => {
      const { reportCommand } = await import('./report.action.js');
      return reportCommand({ ...globalOptions(cli, cmd), html: o.html });
    }));
}

/** `certloop status`: each certificate's state and next action (status.action.ts). */
import type { Command } from 'commander';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('status')
    .description("each certificate's state, serials (issued, deployed, served), expiry, conditions and next action")
    .argument('[name...]', 'certificate (or watched endpoint) names (default: all)')
    .addHelpText('after', `\nExit status is 0 when every certificate is Ready and every watched endpoint was fine at its last sweep, 1 otherwise.\n${EXIT_CODES_HELP}`)
    .action(act(cli, async (names: string[], _o, cmd: Command) => {
      const { statusCommand } = await import('./status.action.js');
      return statusCommand({ ...globalOptions(cli, cmd), names: names.length ? names : undefined });
    }));
}

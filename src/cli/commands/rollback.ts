/** `certloop rollback NAME`: redeploy the previous certificate, then verify it (rollback.action.ts). */
import type { Command } from 'commander';
import { act, EXIT_CODES_HELP, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  program
    .command('rollback')
    .description('redeploy the previously deployed certificate to every target, then verify it is served')
    .argument('<name>', 'certificate name from the config')
    .addHelpText(
      'after',
      `
The previous certificate and its key come from the state store; every target gets it again (the
file target keeps what it replaces as *.prev), then every endpoint is checked. Refused (exit 1,
with the reason) when there is no previous certificate, or it is expired, inside its emergency
window (the last 1/20 of its lifetime) or fails the pre-deploy checks.

Afterwards automatic renewal pauses until that emergency window, so the next scheduled run does
not undo the rollback; \`certloop renew NAME --force\` ends the pause. \`certloop status\` shows it.

Examples:
  certloop rollback web
  certloop rollback web --json
${EXIT_CODES_HELP}`,
    )
    .action(act(cli, async (name: string, _o, cmd: Command) => {
      const { rollbackCommand } = await import('./rollback.action.js');
      return rollbackCommand({ ...globalOptions(cli, cmd), name });
    }));
}

/** `certloop config check` and `certloop config schema` (config.action.ts). */
import type { Command } from 'commander';
import { act, globalOptions, type CliInvocation } from '../command.js';

export function register(program: Command, cli: CliInvocation): void {
  const config = program.command('config').description('check the configuration, or print its JSON Schema');
  config
    .command('check')
    .description('validate the configuration and print it resolved (defaults, absolute paths) with secrets masked')
    .addHelpText(
      'after',
      `
Exit 0 when valid, 1 when valid but something would fail at run time (an unreadable caBundle or
trust file, a reload program that is not installed: printed as warnings on stderr), 2 when invalid
(every problem as FILE:LINE:COLUMN: field: what is expected).

Examples:
  certloop config check
  certloop -c /etc/certloop/certloop.yaml config check --json
`,
    )
    .action(act(cli, async (_o, cmd: Command) => {
      const { configCheckCommand } = await import('./config.action.js');
      return configCheckCommand(globalOptions(cli, cmd));
    }));
  config
    .command('schema')
    .description('print the JSON Schema of certloop.yaml (for editors and CI linters)')
    .addHelpText(
      'after',
      `
Generated from the same schema the loader uses. Point your editor at it with a first line
  # yaml-language-server: $schema=./certloop.schema.json

Examples:
  certloop config schema > certloop.schema.json
`,
    )
    .action(act(cli, async () => {
      const { configSchemaCommand } = await import('./config.action.js');
      return configSchemaCommand();
    }));
}

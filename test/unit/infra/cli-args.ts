/**
 * Checks a command line written in a manifest (Dockerfile CMD, Kubernetes args, Bicep args,
 * systemd ExecStart) against the real command table, so a renamed flag breaks the test suite
 * rather than a production CronJob.
 */
import assert from 'node:assert/strict';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../../src/cli/main.js';

/**
 * Commands other work in progress adds (the daemon: issue 6). Until its branch is merged the
 * command table has no entry to check against; once it does, its flags are checked like any other.
 */
export const COMMANDS_BEING_BUILT = new Set<string>();

function findOption(options: readonly Option[], flag: string): Option | undefined {
  return options.find((o) => o.long === flag || o.short === flag || (o.negate && o.long === flag));
}

/** Asserts that `args` (without the program name) is a command line the CLI accepts. */
export function assertCliArgs(args: string[], where: string): { command: string; options: Record<string, string | true> } {
  const program = buildProgram();
  const options: Record<string, string | true> = {};
  let command: Command | undefined;
  let name: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith('-')) {
      const [flag, inline] = arg.split('=', 2);
      const opt = (command && findOption(command.options, flag)) ?? findOption(program.options, flag);
      if (!opt) {
        if (name && !command && COMMANDS_BEING_BUILT.has(name)) continue; // its flags cannot be checked yet
        assert.fail(`${where}: "${flag}" is not an option of \`certloop ${name ?? ''}\` (see certloop ${name ?? ''} --help)`);
      }
      const takesValue = opt.required || opt.optional;
      if (takesValue) {
        const value = inline ?? args[++i];
        assert.ok(value !== undefined, `${where}: ${flag} needs a value`);
        options[opt.attributeName()] = value;
      } else options[opt.attributeName()] = true;
      continue;
    }
    if (!name) {
      name = arg;
      command = program.commands.find((c) => c.name() === arg);
      assert.ok(command || COMMANDS_BEING_BUILT.has(arg), `${where}: "${arg}" is not a certloop command (known: ${program.commands.map((c) => c.name()).join(', ')})`);
    }
  }
  assert.ok(name, `${where}: no certloop command in ${JSON.stringify(args)}`);
  return { command: name, options };
}

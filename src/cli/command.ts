/**
 * What every command's `register(program, cli)` (commands/<name>.ts) shares: the invocation an
 * action hands its exit code back to, the global options, and the exit codes every help ends with.
 *
 * A register() only defines the command (arguments, options, help); its action imports the
 * implementation (commands/<name>.action.ts) when the command runs. Keep it that way: the bundle
 * (scripts/bundle-cli.mjs) loads every register() at start, so a static import of an
 * implementation here would load it for every command (bench/idle).
 */
import type { Command } from 'commander';
import type { StepHook } from '../controller/step-hook.js';
import type { GlobalOptions } from './context.js';

/** One `main(argv)` call. */
export interface CliInvocation {
  /** What the action returned: main's exit code. */
  exitCode: number;
  /** From main's caller: test entry points only (step-hook.ts). */
  onStep?: StepHook;
}

export type Register = (program: Command, cli: CliInvocation) => void;

export const EXIT_CODES_HELP = `
Exit codes:
  0  everything is issued, deployed and served (or nothing was due)
  1  something failed, or an endpoint does not serve the deployed certificate (run: once its
     verify deadline has passed, or at once on drift), or serves one with a problem, or a
     certificate has no endpoints to confirm it (unless verify.unverified: true)
  2  bad usage or configuration (the message names the file, field and fix)

Configuration: -c FILE, else $CERTLOOP_CONFIG, else ./certloop.yaml (see README.md).`;

/** Commander ignores what actions return; an action hands its exit code back through here. */
export function act<A extends unknown[]>(cli: CliInvocation, fn: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    cli.exitCode = await fn(...args);
  };
}

/** -c, --json and --log-level, wherever on the command line they were given, and main's hooks. */
export function globalOptions(cli: CliInvocation, cmd: Command): GlobalOptions {
  return { ...(cmd.optsWithGlobals() as GlobalOptions), onStep: cli.onStep };
}

/** For a repeatable option: every value, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

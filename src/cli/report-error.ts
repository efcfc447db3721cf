/**
 * How a command that fails says so: a message on stderr, and with --json also one JSON object on
 * stdout, so a script reading stdout always gets JSON (issue 16: `verify --json` printed nothing
 * when its state write failed). The exit code: 2 for usage and configuration, else 1.
 */
import { CommanderError } from 'commander';
import { CertloopError, ConfigError, describeError, type ConfigProblem } from '../errors.js';
import { EXIT, printJson } from './context.js';

/** `--json` anywhere before a `--` (commander may not have parsed the line when it fails). */
export function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

export interface ErrorJson {
  /** An error code (README "Error codes"), or null for an unexpected error (a bug: please report it). */
  code: string | null;
  message: string;
  certificate: string | null;
  step: string | null;
  /** CONFIG_INVALID: each problem with its file, line, column and field. */
  problems?: ConfigProblem[];
}

export function errorJson(err: unknown): ErrorJson {
  if (err instanceof CommanderError) return { code: 'USAGE', message: err.message.replace(/^error: /, ''), certificate: null, step: null };
  if (err instanceof CertloopError) {
    return {
      code: err.code,
      message: err.message,
      certificate: err.certificate ?? null,
      step: err.step ?? null,
      ...(err instanceof ConfigError ? { problems: err.problems } : {}),
    };
  }
  return { code: null, message: describeError(err), certificate: null, step: null };
}

export function reportError(err: unknown, opts: { json: boolean }): number {
  if (err instanceof CommanderError) {
    // Help and version are not errors; commander already printed them.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
    if (opts.json) printJson({ error: errorJson(err) });
    return EXIT.USAGE;
  }
  if (opts.json) printJson({ error: errorJson(err) });
  if (err instanceof ConfigError) {
    process.stderr.write(`certloop: invalid configuration (${err.problems.length} problem${err.problems.length > 1 ? 's' : ''}):\n`);
    for (const line of err.message.split('\n')) process.stderr.write(`  ${line}\n`);
    return EXIT.USAGE;
  }
  if (err instanceof CertloopError) {
    process.stderr.write(err.code === 'USAGE' ? `certloop: ${err.message}\n` : `certloop: ${err.code}: ${err.message}\n`);
    return err.code === 'USAGE' ? EXIT.USAGE : EXIT.FAILED;
  }
  process.stderr.write(`certloop: unexpected error: ${describeError(err)}\n`);
  if (process.env.CERTLOOP_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return EXIT.FAILED;
}

/**
 * What the CLI prints for `--help` of every command, and for a few wrong command lines, is
 * the text in help.snapshot.txt, byte for byte: help is part of the CLI contract, and moving the
 * command table around (issue 17) must not change a character of it. The list of commands comes
 * from the command table itself, so a command added without a snapshot fails here.
 *
 * After a deliberate change to help text, rewrite the snapshot and review its diff:
 *   CERTLOOP_UPDATE_HELP_SNAPSHOT=1 node --test dist/test/unit/cli/help.test.js
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/main.js';
import { certloopInProcess, type InProcessResult } from '../../support/cli-in-process.js';
import { ROOT } from '../../support/workspace.js';

const SNAPSHOT = path.join(ROOT, 'test', 'unit', 'cli', 'help.snapshot.txt');

/** Every command path of the table: [], ['run'], ..., ['config', 'check'], ... */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return [prefix, ...cmd.commands.flatMap((c) => commandPaths(c, [...prefix, c.name()]))];
}

/** Wrong command lines: the message and the hint after it are help text too. */
const USAGE_ERRORS: string[][] = [
  [],
  ['help'],
  ['help', 'run'],
  ['nope'],
  ['run', '--bogus'],
  ['run', '--recheck', 'sometimes'],
  ['renew'],
  ['rollback'],
  ['verify', '--samples', '0'],
  ['verify', '--family', '5'],
  ['verify', '--starttls', 'smtps'],
  ['daemon', '--listen', 'nowhere'],
  ['daemon', '--schedule', 'every day'],
  ['daemon', '--verify-interval', '10ms'],
  ['--log-level', 'loud', 'status'],
  ['config', 'nope'],
  ['revoke'],
  ['revoke', 'web', '--reason', 'lost'],
  ['account', 'deactivate'],
];

const title = (args: string[]) => `### certloop ${args.join(' ')}`.trimEnd();

function section(args: string[], r: InProcessResult): string {
  return `${title(args)}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** The snapshot file, split back into its sections by title. */
function readSnapshot(): Map<string, string> {
  const text = fs.existsSync(SNAPSHOT) ? fs.readFileSync(SNAPSHOT, 'utf8') : '';
  const out = new Map<string, string>();
  for (const part of text.split(/^(?=### certloop)/m)) if (part) out.set(part.split('\n', 1)[0], part);
  return out;
}

describe('help text and usage errors of the CLI', () => {
  const cases = [...commandPaths(buildProgram()).map((p) => [...p, '--help']), ...USAGE_ERRORS];
  const seen = new Map<string, string>();
  let snapshot = new Map<string, string>();

  before(async () => {
    // main() as bin.js calls it, in this process (a process each took seconds on a busy machine).
    // Under the test runner stdout is a pipe: commander wraps help at 80 columns, as for a user's pipe.
    assert.ok(!process.stdout.isTTY, 'run under node --test: in a terminal commander wraps help to its width');
    for (const args of cases) seen.set(title(args), section(args, await certloopInProcess(args)));
    if (process.env.CERTLOOP_UPDATE_HELP_SNAPSHOT) fs.writeFileSync(SNAPSHOT, [...seen.values()].join(''));
    snapshot = readSnapshot();
  });

  for (const args of cases) {
    it(`certloop ${args.join(' ') || '(no arguments)'} prints exactly what the snapshot holds`, () => {
      const expected = snapshot.get(title(args));
      assert.ok(expected, `${title(args)} has no snapshot: rewrite it (see the top of this file) and review the diff`);
      assert.equal(seen.get(title(args)), expected);
    });
  }

  it('the snapshot holds no command the CLI no longer has', () => {
    const stale = [...snapshot.keys()].filter((t) => !seen.has(t));
    assert.deepEqual(stale, []);
  });
});

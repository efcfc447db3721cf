/**
 * `--json` always prints JSON on stdout, also when a command fails as a whole (issue 16: `verify
 * --json` printed nothing when its state write failed): one object `{ "error": { "code",
 * "message", ... } }`, for every command, whether the config is missing, the state file is
 * damaged or the command line is wrong.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { certloopInProcess as certloop } from '../../support/cli-in-process.js';
import { tempDir } from '../../support/workspace.js';
import { GOOD } from '../config/cases.js';

const dir = tempDir('json-errors');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const missing = path.join(dir, 'missing.yaml');
const damaged = path.join(dir, 'damaged.yaml');
fs.writeFileSync(damaged, GOOD.replace('https://localhost:14000/dir', 'https://127.0.0.1:1/dir'));
fs.writeFileSync(path.join(dir, 'certloop.db'), Buffer.alloc(8192, 0x5a));
fs.writeFileSync(path.join(dir, 'certloop.yaml'), 'exists already\n');

/** Every command, as one would run it against a config. */
const COMMANDS = [
  ['run'], ['renew', 'web'], ['verify'], ['status'], ['report', '--html', path.join(dir, 'status.html')], ['plan'], ['forecast'], ['drill'],
  ['rollback', 'web'], ['config', 'check'],
];

describe('--json on failure', () => {
  for (const args of [...COMMANDS, ['daemon']]) {
    it(`${args[0]} with a missing config prints a CONFIG_INVALID object and exits 2`, async () => {
      const r = await certloop(['-c', missing, ...args, '--json']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.json?.error?.code, 'CONFIG_INVALID', r.stdout);
      assert.match(r.json.error.problems[0].message, /file not found/);
    });
  }

  for (const args of COMMANDS.filter(([c]) => c !== 'config')) {
    it(`${args[0]} with a damaged state file prints a STATE_FAILED object naming it and exits 1`, async () => {
      const r = await certloop(['-c', damaged, ...args, '--json']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.json?.error?.code, 'STATE_FAILED', `${r.stdout} ${r.stderr}`);
      assert.ok(r.json.error.message.includes(path.join(dir, 'certloop.db')), r.json.error.message);
    });
  }

  const usage: [string, string[]][] = [
    ['an unknown option', ['run', '--bogus']],
    ['a bad --endpoint', ['verify', '--endpoint', 'no-port']],
    ['init over an existing file', ['init', '--domain', 'example.com', '-c', path.join(dir, 'certloop.yaml')]],
    ['the page and JSON both on stdout', ['-c', damaged, 'report', '--html', '-']],
  ];
  for (const [name, args] of usage) {
    it(`${name} prints a USAGE object and exits 2`, async () => {
      const r = await certloop([...args, '--json']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.json?.error?.code, 'USAGE', `${r.stdout} ${r.stderr}`);
    });
  }
});

/**
 * Whatever `config check` accepts, `run` can start with (issue 16: `config check` said valid, then
 * the run failed on the same file). Both commands go through the CLI's own entry (main), in this
 * process to keep it quick, over every config the project shows and the config cases of
 * test/unit/config/cases.ts, with every CA pointed at a port nothing listens on: a run then gets
 * as far as the CA and fails there (exit 1), never on the config (exit 2) or with an unexpected
 * error. Both always print JSON with --json.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { starterConfig } from '../../../src/config/starter.js';
import { certloopInProcess as certloop, type InProcessResult as Outcome } from '../../support/cli-in-process.js';
import { configBlocks, readDoc } from '../../support/docs.js';
import { ROOT, tempDir } from '../../support/workspace.js';
import { ACCEPTED, GOOD, MALFORMED } from '../config/cases.js';

const dir = tempDir('check-then-run');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

Object.assign(process.env, { CERTLOOP_ACME_EMAIL: 'ops@example.com', PFX_PASSWORD: 'pfx', ZEROSSL_EAB_KID: 'kid-1', ZEROSSL_EAB_HMAC_KEY: 'aG1hYw', GTS_EAB_KID: 'kid-2', GTS_EAB_HMAC_KEY: 'aG1hYw' });

/** No CA is contacted: every directory is a loopback port that refuses; state stays in the case's folder. */
function offline(text: string): string {
  return text.replace(/(directory|staging): .*/g, '$1: https://127.0.0.1:1/dir').replace(/^state: \/.*$/m, 'state: ./certloop.db');
}

function shown(): [string, string][] {
  const blocks = configBlocks(readDoc('docs/configuration.md'));
  const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));
  return [
    ...blocks.map((t, i): [string, string] => [`docs/configuration.md config block ${i + 1}`, t]),
    ...examples.map((f): [string, string] => [`examples/${f}`, fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8')]),
    ['init --webroot --nginx', starterConfig({ domains: ['example.com'], email: 'ops@example.com', webroot: '/var/www/html', nginx: true, schema: './certloop.schema.json' })],
    ['the loader tests example', GOOD],
    ...ACCEPTED,
    ...MALFORMED.map(([name, text]): [string, string] => [name, text]),
  ];
}

/** Set up beside the config before the commands run: what a file alone cannot say. */
const SETUPS: [string, string, (caseDir: string) => void, RegExp][] = [
  ['a state: that is a folder', GOOD, (d) => fs.mkdirSync(path.join(d, 'certloop.db')), /state: .*certloop\.db is a folder/],
  ['a state file that is not SQLite', GOOD, (d) => fs.writeFileSync(path.join(d, 'certloop.db'), 'not a database'.repeat(100)), /state: .*is not a SQLite database/],
];

let n = 0;
async function checkThenRun(text: string, setup?: (d: string) => void): Promise<{ check: Outcome; run: Outcome }> {
  const caseDir = path.join(dir, `case${++n}`);
  fs.mkdirSync(caseDir);
  const file = path.join(caseDir, 'certloop.yaml');
  fs.writeFileSync(file, offline(text));
  setup?.(caseDir);
  const check = await certloop(['-c', file, 'config', 'check', '--json']);
  const run = await certloop(['-c', file, 'run', '--json']);
  return { check, run };
}

function assertAgree(name: string, { check, run }: { check: Outcome; run: Outcome }): void {
  const where = `${name}\ncheck: ${check.code} ${check.stderr}\nrun: ${run.code} ${run.stdout.slice(0, 2000)} ${run.stderr}`;
  assert.ok(check.json, `config check --json printed no JSON: ${where}`);
  assert.ok(run.json, `run --json printed no JSON: ${where}`);
  assert.doesNotMatch(check.stderr + run.stderr, /unexpected error/, where);
  if (check.code === 2) {
    assert.equal(run.code, 2, `config check rejects the file, run does not: ${where}`);
    return;
  }
  assert.ok(check.code === 0 || check.code === 1, where);
  assert.notEqual(run.code, 2, `config check accepted a file that run refuses: ${where}`);
  assert.notEqual(run.json.error?.code, null, `run failed with an unexpected error: ${where}`);
  for (const c of run.json.certificates ?? []) {
    assert.ok(!['CONFIG_INVALID', 'USAGE', 'UNKNOWN_PROVIDER'].includes(c.error?.code), `run found a config problem check missed: ${where}`);
  }
}

describe('config check accepts only what run can start with', () => {
  it('for every config the project shows and every config case, check and run agree', async () => {
    let accepted = 0;
    for (const [name, text] of shown()) {
      const r = await checkThenRun(text);
      assertAgree(name, r);
      if (r.check.code !== 2) accepted++;
    }
    assert.ok(accepted >= 15, `only ${accepted} configs were accepted: the agreement was barely tested`);
  });

  for (const [name, text, setup, warning] of SETUPS) {
    it(`warns (exit 1) about ${name}, on which run stops with STATE_FAILED`, async () => {
      const r = await checkThenRun(text, setup);
      assertAgree(name, r);
      assert.equal(r.check.code, 1);
      assert.ok(r.check.json.warnings.some((w: string) => warning.test(w)), JSON.stringify(r.check.json.warnings));
      assert.equal(r.run.json.error.code, 'STATE_FAILED');
      assert.match(r.run.json.error.message, /state file .*certloop\.db/);
    });
  }
});

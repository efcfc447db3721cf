/**
 * Every command's definition (commands/<name>.ts) is loaded at start; its implementation
 * (commands/<name>.action.ts) only when it runs. A static import of an implementation, or of the
 * controller, from a definition would load it for every command, `status` and `run --recheck due`
 * included (bench/idle). Read from the compiled modules beside this test: what Node would load.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli');

/** The modules of this project a module loads before any dynamic import, itself included. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^import\s+(?:[^;'"]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm)) staticClosure(path.resolve(path.dirname(file), m[1]), seen);
  return seen;
}

const relative = (files: Set<string>) => [...files].map((f) => path.relative(CLI, f)).sort();

/** What a definition may load: the shared helpers and the option parsers of daemon and verify. */
const ALLOWED = new Set(['command.js', '../config/bounds.js', '../util/duration.js', '../util/cron-expression.js', '../util/lazy-require.js']);

describe('commands are loaded lazily', () => {
  const definitions = fs.readdirSync(path.join(CLI, 'commands')).filter((f) => f.endsWith('.js') && !f.endsWith('.action.js'));

  it('every command has a definition and an implementation beside it', () => {
    assert.ok(definitions.length >= 12, definitions.join(', '));
    const actions = new Set(fs.readdirSync(path.join(CLI, 'commands')).filter((f) => f.endsWith('.action.js')));
    for (const d of definitions) {
      const text = fs.readFileSync(path.join(CLI, 'commands', d), 'utf8');
      for (const [, target] of text.matchAll(/import\('\.\/([^']+)'\)/g)) assert.ok(actions.has(target), `${d} imports ${target}, which does not exist`);
    }
  });

  for (const d of ['main.js', ...definitions.map((f) => `commands/${f}`)]) {
    it(`${d} loads no command's implementation when the CLI starts`, () => {
      const loaded = relative(staticClosure(path.join(CLI, d)));
      assert.deepEqual(loaded.filter((f) => f.endsWith('.action.js') || /^\.\.\/(controller|daemon|report)\//.test(f)), []);
      if (d !== 'main.js') {
        const own = `commands/${path.basename(d)}`;
        assert.deepEqual(loaded.filter((f) => f !== own && !ALLOWED.has(f)), [], `${d} imports more than its definition needs`);
      }
    });
  }
});

/**
 * The test tiers (test/README.md): `npm run test:unit` runs test/unit/ in seconds because nothing
 * there starts Pebble, nginx, BIND, Azurite or Chromium. This holds the line: no unit test reaches,
 * through its imports, a support module that starts one of them. A test that needs one belongs in
 * test/integration/ or test/e2e/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/workspace.js';

/** The support modules that start an outside server, and what they start. */
const SERVER_MODULES: Record<string, string> = {
  'test/support/pebble.ts': 'Pebble',
  'test/support/nginx.ts': 'nginx',
  'test/support/bind.ts': 'BIND',
  'test/support/azurite.ts': 'Azurite',
  'test/support/browser.ts': 'Chromium',
};

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;

/** The project files `file` imports by relative path (the compiled .js names mapped back to .ts). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), m[1].replace(/\.js$/, '.ts'))));
}

/** The server modules `file` reaches through test/ imports, each with the chain that leads there. */
function serversReachedFrom(file: string): string[] {
  const seen = new Map<string, string[]>([[file, [file]]]);
  const queue = [file];
  const found: string[] = [];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const next of importsOf(current)) {
      if (seen.has(next) || !next.startsWith('test/') || !fs.existsSync(path.join(ROOT, next))) continue;
      const chain = [...seen.get(current)!, next];
      seen.set(next, chain);
      if (SERVER_MODULES[next]) found.push(`${SERVER_MODULES[next]} (${chain.join(' → ')})`);
      else queue.push(next);
    }
  }
  return found;
}

function testFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

describe('test tiers', () => {
  it('every module named as starting a server exists and starts something', () => {
    for (const file of Object.keys(SERVER_MODULES)) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      assert.match(text, /export (async )?function (start|launch)\w*/, `${file} exports no start function: is the list above stale?`);
    }
  });

  it('no unit test imports, even indirectly, a support module that starts Pebble, nginx, BIND, Azurite or Chromium', () => {
    const files = testFilesUnder('test/unit');
    assert.ok(files.length > 50, `found only ${files.length} unit tests under ${ROOT}/test/unit`);
    const offenders = files.flatMap((f) => serversReachedFrom(f).map((s) => `${f} reaches ${s}`));
    assert.deepEqual(offenders, [], 'move these to test/integration/ or test/e2e/ (test/README.md)');
  });

  it('the check sees a server behind an import chain: the integration tier reaches Azurite and Pebble', () => {
    assert.match(serversReachedFrom('test/integration/state/blob.test.ts').join('\n'), /^Azurite \(test\/integration\/state\/blob\.test\.ts → test\/support\/azurite\.ts\)$/m);
    assert.match(serversReachedFrom('test/e2e/closed-loop.test.ts').join('\n'), /Pebble \(test\/e2e\/closed-loop\.test\.ts → test\/support\/lab\.ts → test\/support\/pebble\.ts\)/);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/workspace.js';

// The layers are written once, in .dependency-cruiser.cjs (which npm test enforces); the docs draw them.
const { LAYERS } = createRequire(import.meta.url)(path.join(ROOT, '.dependency-cruiser.cjs')).certloop as { LAYERS: { name: string; paths: string[] }[] };

function section(file: string, heading: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `${file} has a "${heading}" section`);
  const level = heading.split(' ')[0];
  const end = text.slice(start + heading.length + 2).search(new RegExp(`\\n${level} `));
  return end < 0 ? text.slice(start) : text.slice(start, start + heading.length + 2 + end);
}

/** The layer names of the diagram in docs/architecture.md, top to bottom: the column under "cli". */
function drawnLayers(): string[] {
  const block = /```\n([\s\S]*?)```/.exec(section('docs/architecture.md', '## The layers'))![1];
  const rows = block.split('\n').filter((l) => l.trim() && !l.includes('may import'));
  const column = rows[0].search(/ cli /) + 1;
  return rows.flatMap((row) => /^([a-z][a-z-]*) /.exec(row.slice(column))?.[1] ?? []);
}

describe('architecture documentation', () => {
  it('docs/architecture.md draws the layers of .dependency-cruiser.cjs, in the same order', () => {
    assert.deepEqual(drawnLayers(), LAYERS.map((l) => l.name).reverse());
  });

  it("README's Layout section names every folder of src/ and links to docs/architecture.md", () => {
    const layout = section('README.md', '## Layout');
    assert.match(layout, /\(docs\/architecture\.md\)/);
    const folders = fs.readdirSync(path.join(ROOT, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    const missing = folders.filter((f) => !new RegExp(`(^|[\\s(])${f}/`, 'm').test(layout));
    assert.deepEqual(missing, [], `README's Layout leaves out src/${missing.join('/, src/')}/`);
  });
});

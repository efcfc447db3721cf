/**
 * docs/configuration.md and docs/error-codes.md are written by `npm run docs` from the zod
 * schema and src/errors.ts. The committed pages must be what it writes now (as
 * certloop.schema.json must be what `certloop config schema` prints), and the generator must
 * refuse a field nobody described.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { DurationWithin, FilePath } from '../../../src/config/fields.js';
import { GENERATED_DOCS } from '../../../scripts/docs/generate.js';
import { fillTemplate } from '../../../scripts/docs/markdown.js';
import { SchemaReference, type Section } from '../../../scripts/docs/schema-walk.js';
import { ROOT } from '../../support/workspace.js';

describe('generated documentation', () => {
  for (const [file, render] of Object.entries(GENERATED_DOCS)) {
    it(`${file} is what npm run docs writes (run it after changing the schema, a description or the template)`, () => {
      assert.equal(fs.readFileSync(path.join(ROOT, file), 'utf8'), render(ROOT), `${file} is out of date: run npm run docs`);
    });
  }
});

const Kinds = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('a'), shared: FilePath.optional(), onlyA: z.number().int().min(1).max(9).default(3) }),
  z.strictObject({ type: z.literal('b'), shared: FilePath.optional() }),
]);
const Small = z.strictObject({
  timeout: DurationWithin(1000, 60_000).default(30_000),
  name: z.string(),
  kinds: z.array(Kinds).default([]),
});
// The same schema spread into both kinds, as the notifiers share theirs.
const shared = FilePath.optional();
const Spread = z.array(z.discriminatedUnion('type', [z.strictObject({ type: z.literal('a'), shared }), z.strictObject({ type: z.literal('b'), shared })]));
const DOCS = { timeout: 'T.', name: 'N.', kinds: 'K.', 'kinds[].shared': 'S.', 'kinds[]{a}.onlyA': 'A.' };

function sections(docs: Record<string, string>, schema: z.core.$ZodType = Small): Section[] {
  const reference = new SchemaReference({ docs }).add('', schema);
  reference.check();
  return reference.sections;
}

describe('the configuration reference generator', () => {
  it('reads type, default and range from the schema, and the sentence from the map', () => {
    const [top] = sections(DOCS);
    assert.deepEqual(top.rows[0], { field: 'timeout', type: 'duration', default: '`30s`', range: '1s–1m', description: 'T.' });
    assert.deepEqual(top.rows[1], { field: 'name', type: 'string', default: 'required', range: '', description: 'N.' });
  });

  it('gives each kind of a union its section, and a sentence without the kind covers every kind', () => {
    const all = sections(DOCS);
    assert.deepEqual(all.map((s) => [s.path, s.kind]), [['', undefined], ['kinds[]', 'a'], ['kinds[]', 'b']]);
    assert.deepEqual(all[1].rows.map((r) => [r.field, r.type, r.default, r.range, r.description]), [
      ['type', '`a`', 'required', '', 'selects this kind'],
      ['shared', 'path', '', '', 'S.'],
      ['onlyA', 'integer', '`3`', '1–9', 'A.'],
    ]);
  });

  it('lists a field every kind shares once, before the kinds', () => {
    const reference = new SchemaReference({ docs: { list: 'L.', 'list[].shared': 'S.' } }).add('', z.strictObject({ list: Spread }));
    reference.check();
    assert.deepEqual(reference.sections.map((s) => [s.path, s.kind, s.rows.map((r) => r.field)]), [
      ['', undefined, ['list']],
      ['list[]', 'every type', ['shared']],
      ['list[]', 'a', ['type']],
      ['list[]', 'b', ['type']],
    ]);
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    ['a field without a sentence stops it, naming the field and where to describe it', { ...DOCS, 'kinds[]{a}.onlyA': undefined as unknown as string }, /no description for kinds\[\]\{a\}\.onlyA: add it to scripts\/docs\/field-docs\.ts/],
    ['a sentence for a field the schema does not have stops it', { ...DOCS, 'kinds[].gone': 'G.' }, /a description for kinds\[\]\.gone, which is no field of the schema/],
  ];
  for (const [name, docs, expected] of refusals) {
    it(name, () => {
      const defined = Object.fromEntries(Object.entries(docs).filter(([, v]) => v !== undefined));
      assert.throws(() => sections(defined), expected);
    });
  }

  it('refuses a template that names an unknown part or leaves one out', () => {
    assert.throws(() => fillTemplate('x\n<!-- generated: nope -->\n', 't.md', { fields: () => '' }), /t\.md: no generated part called "nope"/);
    assert.throws(() => fillTemplate('x\n', 't.md', { fields: () => '' }), /t\.md: the template does not place <!-- generated: fields -->/);
    assert.equal(fillTemplate('a\n<!-- generated: fields -->\nb\n', 't.md', { fields: () => '| x |\n' }), 'a\n| x |\nb\n');
  });
});

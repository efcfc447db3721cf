/**
 * The YAML fast path (js-yaml) must give exactly what `yaml` gives, or decline: a config cannot
 * mean one thing to `run` and another to the error reporter. Every case runs through both.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { fastYaml } from '../../../src/config/yaml-fast.js';
import { docPages, readDoc, yamlBlocks } from '../../support/docs.js';
import { ROOT } from '../../support/workspace.js';
import { ALIAS_BOMB, GOOD } from './cases.js';

/** What `yaml` (the reference, as load.ts configures it) makes of the text, or an error. */
function reference(text: string): { value: unknown } | { error: string } {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { error: doc.errors[0].message };
  return { value: doc.toJS() };
}

function same(text: string): 'fast' | 'declined' {
  const fast = fastYaml(text);
  const ref = reference(text);
  if (fast === undefined) return 'declined';
  assert.ok('value' in ref, `the fast path accepted what yaml rejects (${'error' in ref ? ref.error : ''}): ${JSON.stringify(text)}`);
  assert.deepEqual(fast, ref.value, `different values for ${JSON.stringify(text)}`);
  return 'fast';
}

const SCALARS = [
  '0o17', '017', '0x1F', '0X1F', '0b101', '1_000', '+1', '-1', '-0', '00', '08', '.5', '+.5', '-.5', '1.', '0.', '1e3', '1E+3', '6e2', '0.1e-2',
  '1e', '1e+', '1.2.3', '+', '-', '.', '.inf', '-.Inf', '+.INF', '.NaN', '.nan', 'Infinity', '.infinity', '~', 'null', 'Null', 'NULL', 'nULL',
  'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', '2026-01-01', '2026-01-01T00:00:00Z', '12:30:00', '1:20', '0x', '0o8',
  '+0x1', '-0x1', '12345678901234567890', '"quoted 1"', "'single 1'", '"\\x41\\u263A"', "'it''s'", 'a b c', 'http://x?y=1&z=2', '*/5 * * * *',
  '"0 */6 * * *"', 'a#b', 'a #comment', '"${env:TOKEN}"', '<<', '!!str 1', '!!int "3"', '!!float 1', '!!binary aGk=', '!custom 1', '&a 1',
];

const DOCUMENTS = [
  'a: &x {p: 1}\nb: *x\n',
  'a: {p: 1}\nb:\n  <<: {q: 2}\n',
  '<<: 1\n',
  'a: 1\na: 2\n',
  'a: |\n  x\n  y\n',
  'a: |-\n  x\n\n',
  'a: >\n  x\n  y\n\n  z\n',
  '? [a]\n: 1\n',
  '? a\n: 1\n',
  '[a]: 1\n',
  '{a: 1}: 2\n',
  '%YAML 1.1\n---\na: yes\n',
  '---\na: 1\n...\n',
  'a: 1\n---\nb: 2\n',
  '{a: 1, a: 1}',
  '',
  '# only a comment\n',
  '~\n',
  'a:\n',
  'a: b: c\n',
  '\ta: 1\n',
  'a: "x" y\n',
  'a: @x\n',
  'a: [1, 2,]\n',
  '- 1\n- 2\n',
  'a:\n  - b: 1\n    c: [x, "y", 3]\n  - {d: e, f: [1.5, -2]}\n',
  'a: "multi\n  line"\n',
  "a: 'multi\n\n  line'\n",
  'a: plain\n  continued\n',
  '"a b": 1\n\'c\': 2\n',
  'a: 1 # comment\n# b: 2\n',
  '\uFEFFa: 1\n',
  'a: 1\r\nb: 2\r\n',
];

describe('YAML fast path', () => {
  it('resolves every plain and quoted scalar as YAML 1.2 core does, or leaves it to yaml', () => {
    for (const s of SCALARS) same(`k: ${s}\n`);
  });

  it('reads the numbers js-yaml would read otherwise exactly as yaml does', () => {
    for (const s of ['0b101', '+.5', '+0x1', '-0x1', '0o17', '.NaN', '-.Inf']) assert.equal(same(`k: ${s}\n`), 'fast', s);
  });

  it('gives yaml the documents where the parsers differ or that are invalid, and matches it on the rest', () => {
    for (const d of DOCUMENTS) same(d);
    for (const d of ['a: &x {p: 1}\nb: *x\n', '? [a]\n: 1\n', '[a]: 1\n', '%YAML 1.1\n---\na: yes\n', 'k: !!float 1\n', 'a: 1\na: 2\n', '']) {
      assert.equal(fastYaml(d), undefined, JSON.stringify(d));
    }
  });

  it('leaves an alias bomb to yaml, whose limit then refuses it (load.ts reports it with its line)', () => {
    const bomb = `${GOOD}bomb:\n${ALIAS_BOMB}`;
    assert.equal(fastYaml(bomb), undefined, 'js-yaml would expand every alias');
    // Written with anchors right after "[" and "{" too: still declined.
    assert.equal(fastYaml('a: [&x 1, *x]\n'), undefined);
    assert.equal(fastYaml('a: {k: &x 1, j: *x}\n'), undefined);
    assert.throws(() => parseDocument(bomb).toJS(), /Excessive alias count/);
  });

  it('takes the fast path for, and agrees on, every config and policy the project ships', () => {
    const files = [
      ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => path.join(ROOT, 'examples', f)),
      ...fs.readdirSync(path.join(ROOT, 'examples', 'policies')).map((f) => path.join(ROOT, 'examples', 'policies', f)),
      ...fs.readdirSync(path.join(ROOT, 'policies')).map((f) => path.join(ROOT, 'policies', f)),
    ];
    assert.ok(files.length >= 8);
    // Shipped files are plain YAML: each must take the fast path (and agree with yaml).
    for (const f of [...files, 'GOOD']) assert.equal(same(f === 'GOOD' ? GOOD : fs.readFileSync(f, 'utf8')), 'fast', f);
    // Blocks of the README and docs/ include fragments and deliberate mistakes: they must agree when accepted.
    const blocks = docPages().flatMap((page) => yamlBlocks(readDoc(page)));
    assert.ok(blocks.length >= 5);
    assert.ok(blocks.filter((b) => same(b) === 'fast').length >= blocks.length / 2, 'most documentation blocks take the fast path');
  });
});

/**
 * The decision's chain (src/policy/checks/index.ts) is the policy read top to bottom: one named
 * check per file, each in the one ordered list once, the finders before the holds, and up-to-date
 * last among the finders so that the chain always answers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { CHECKS } from '../../../../src/policy/checks/index.js';

const CHECKS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'src', 'policy', 'checks');

describe('the chain of named checks', () => {
  it('has one check per file in src/policy/checks/, named as its file, each listed once', async () => {
    const files = fs.readdirSync(CHECKS_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.slice(0, -3)).sort();
    assert.deepEqual(CHECKS.map((c) => c.name).sort(), files);
    for (const name of files) {
      const exported = Object.values(await import(`../../../../src/policy/checks/${name}.js`)).filter((v) => CHECKS.includes(v as never));
      assert.equal(exported.length, 1, `${name}.ts exports exactly one check of the chain`);
      assert.equal((exported[0] as { name: string }).name, name);
    }
  });

  it('lists the finders first, ends them with up-to-date, and puts the holds after them', () => {
    const finders = CHECKS.filter((c) => 'finds' in c).map((c) => c.name);
    const firstHold = CHECKS.findIndex((c) => 'holds' in c);
    assert.equal(finders.at(-1), 'up-to-date');
    assert.ok(firstHold === -1 || CHECKS.slice(firstHold).every((c) => 'holds' in c), 'no finder after a hold');
  });

  it('puts from-source first (a certificate certloop does not issue is never issued, even forced), then forced, and the emergency floor before the rollback hold', () => {
    const order = CHECKS.map((c) => c.name);
    assert.deepEqual(order.slice(0, 2), ['from-source', 'forced']);
    assert.ok(order.indexOf('emergency') < order.indexOf('rolled-back'));
  });
});

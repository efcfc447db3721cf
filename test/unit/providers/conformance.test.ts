/**
 * Every provider has the one shape providers/README.md describes (as lego's providers/dns/<name>/):
 * a folder named after it with index.ts, schema.ts and README.md, registered in schemas.ts and
 * registry.ts, whose README names every key of its schema. The types already tie the two lists
 * together; this checks what types cannot see: files, folder names and documentation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { CHALLENGE_TYPES, DNS01_PROVIDERS, NOTIFIER_TYPES, SOURCE_TYPES, TARGET_TYPES, WATCH_SOURCE_TYPES } from '../../../providers/schemas.js';
import { Dns01CommonFields } from '../../../src/dns/schema.js';
import { ROOT } from '../../support/workspace.js';

interface Registered {
  kind: 'challenges' | 'targets' | 'notifiers' | 'certificate-sources' | 'sources';
  name: string;
  schema: z.ZodType;
  /** The key that chooses it in the config, and the value it must have. */
  discriminator: 'type' | 'provider';
}

const { 'dns-01': _dnsFamily, ...ownChallenges } = CHALLENGE_TYPES;
const registered: Registered[] = [
  ...Object.entries(ownChallenges).map(([name, schema]) => ({ kind: 'challenges' as const, name, schema, discriminator: 'type' as const })),
  ...Object.entries(DNS01_PROVIDERS).map(([name, schema]) => ({ kind: 'challenges' as const, name, schema, discriminator: 'provider' as const })),
  ...Object.entries(TARGET_TYPES).map(([name, schema]) => ({ kind: 'targets' as const, name, schema, discriminator: 'type' as const })),
  ...Object.entries(NOTIFIER_TYPES).map(([name, schema]) => ({ kind: 'notifiers' as const, name, schema, discriminator: 'type' as const })),
  ...Object.entries(SOURCE_TYPES).map(([name, schema]) => ({ kind: 'certificate-sources' as const, name, schema, discriminator: 'type' as const })),
  ...Object.entries(WATCH_SOURCE_TYPES).map(([name, schema]) => ({ kind: 'sources' as const, name, schema, discriminator: 'type' as const })),
];

const folder = (p: Pick<Registered, 'kind' | 'name'>) => path.join(ROOT, 'providers', p.kind, p.name);

/** The schema under optional(), default(), prefault() and transforms. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as unknown as { _zod: { def: { type: string; innerType?: unknown; in?: unknown } } };
  for (;;) {
    const def = s._zod.def;
    if (def.innerType) s = def.innerType as typeof s;
    else if (def.type === 'pipe') s = def.in as typeof s;
    else return s as unknown as z.ZodType;
  }
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = (unwrap(schema) as unknown as { _zod: { def: { type: string; shape?: Record<string, z.ZodType> } } })._zod.def;
  return def.type === 'object' ? def.shape : undefined;
}

/** Every settings key, nested objects' keys as `parent.child` (rfc2136's `tsig.name`). */
function keysOf(schema: z.ZodType, prefix = ''): string[] {
  return Object.entries(shapeOf(schema) ?? {}).flatMap(([key, value]) => [`${prefix}${key}`, ...keysOf(value, `${prefix}${key}.`)]);
}

function literalOf(schema: z.ZodType): unknown {
  return (schema as unknown as { _zod: { def: { values?: unknown[] } } })._zod.def.values?.[0];
}

describe('every provider has the same shape', () => {
  for (const p of registered) {
    describe(`${p.kind}/${p.name}`, () => {
      it('has its folder with index.ts, schema.ts and README.md', () => {
        for (const file of ['index.ts', 'schema.ts', 'README.md']) assert.ok(fs.existsSync(path.join(folder(p), file)), `providers/${p.kind}/${p.name}/${file} is missing`);
      });

      it('is chosen in the config by the name of its folder', () => {
        const shape = shapeOf(p.schema);
        assert.ok(shape, 'its schema is one object of settings');
        assert.equal(literalOf(shape[p.discriminator]), p.name);
      });

      it('exports the factory of its kind as `create`', async () => {
        const mod = (await import(path.join(ROOT, 'dist', 'providers', p.kind, p.name, 'index.js'))) as { create?: unknown };
        assert.equal(typeof mod.create, 'function');
      });

      it('documents every key of its schema in its README, and shows its name in an example', () => {
        const readme = fs.readFileSync(path.join(folder(p), 'README.md'), 'utf8');
        const missing = keysOf(p.schema).filter((k) => k !== 'type' && k !== 'provider' && !readme.includes(`\`${k}\``) && !readme.includes(`\`${k}.`));
        assert.deepEqual(missing, [], `providers/${p.kind}/${p.name}/README.md does not name these settings`);
        assert.match(readme, new RegExp(`${p.discriminator}: ${p.name}\\b`), 'an example shows how to choose it');
      });
    });
  }

  it('every folder under providers/ is a registered provider', () => {
    for (const kind of ['challenges', 'targets', 'notifiers', 'certificate-sources', 'sources'] as const) {
      const folders = fs.readdirSync(path.join(ROOT, 'providers', kind), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
      assert.deepEqual(folders.sort(), registered.filter((p) => p.kind === kind).map((p) => p.name).sort(), `providers/${kind}/ holds only providers`);
    }
  });

  it('providers/README.md documents the settings every dns-01 provider shares', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'providers', 'README.md'), 'utf8');
    const missing = Object.keys(Dns01CommonFields).filter((k) => !readme.includes(`\`${k}\``));
    assert.deepEqual(missing, []);
  });
});

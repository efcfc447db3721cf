import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { GuessFailed, HashSet53, jsonParts, loadConfigOutline, type CertificateOutline } from '../../../src/config/outline.js';
import { resolvedPolicyFor } from '../../../src/policy/load.js';
import { tempDir } from '../../support/workspace.js';
import { ACCEPTED, GOOD, MALFORMED } from './cases.js';

const dir = tempDir('config-outline');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

function write(text: string, ext = 'yaml'): string {
  const file = path.join(dir, `c${++n}.${ext}`);
  fs.writeFileSync(file, text);
  return file;
}

/** What loading does with a file: the config, or the error message. */
function outcome(load: () => unknown): { ok: unknown } | { error: string } {
  try {
    return { ok: load() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** loadConfigOutline must agree with loadConfig: same errors word for word, same certificates in outline. */
function assertAgree(file: string): void {
  const full = outcome(() => loadConfig(file));
  const outline = outcome(() => loadConfigOutline(file));
  if ('error' in full) {
    assert.ok('error' in outline, `loadConfig rejects the file (${full.error}) but the outline accepts it`);
    assert.equal(outline.error, full.error);
    return;
  }
  assert.ok('ok' in outline, `loadConfig accepts the file but the outline rejects it: ${'error' in outline ? outline.error : ''}`);
  const f = full.ok as ReturnType<typeof loadConfig>;
  const o = outline.ok as ReturnType<typeof loadConfigOutline>;
  const picked = (c: CertificateOutline) => ({ name: c.name, domains: c.domains, policy: resolvedPolicyFor(c) });
  assert.deepEqual(o.certificates.map(picked), f.certificates.map(picked));
  const { certificates: _a, ...restFull } = f;
  const { certificates: _b, ...restOutline } = o;
  assert.deepEqual(restOutline, restFull);
}

const asJson = (yamlText: string) => JSON.stringify(parse(yamlText), null, 2);

/** A config of `count` certificates written as JSON (the shape bench/plan generates). */
function manyCertificates(count: number, edit: (c: Record<string, unknown>, i: number) => void = () => undefined): string {
  const base = parse(GOOD) as { certificates: Record<string, unknown>[] };
  const cert = base.certificates[0];
  base.certificates = Array.from({ length: count }, (_, i) => {
    const c = { ...structuredClone(cert), name: `site${i}`, domains: [`site${i}.test`] };
    // Each certificate writes files of its own (two certificates on one file is an error).
    const [target] = (c as Record<string, unknown>).targets as Record<string, unknown>[];
    Object.assign(target, { cert: `./live/site${i}/fullchain.pem`, key: `./live/site${i}/privkey.pem` });
    edit(c, i);
    return c;
  });
  return JSON.stringify(base, null, 2);
}

describe('config outline (plan: validated in full, kept as name, domains, policy)', () => {
  it('keeps the same certificates and settings as loading in full, from YAML and from JSON', () => {
    assertAgree(write(GOOD));
    assertAgree(write(asJson(GOOD), 'json'));
    assertAgree(write(GOOD.replace('    key: { type: ecdsa-p256 }\n', '    key: { type: ecdsa-p256 }\n    policy: { name: short-lived, jitter: 1h }\n')));
  });

  for (const [name, text] of ACCEPTED) {
    it(`accepts as loadConfig does ${name}`, () => {
      assertAgree(write(text));
      assertAgree(write(asJson(text), 'json'));
    });
  }

  for (const [name, text] of MALFORMED) {
    it(`rejects, with loadConfig's words, ${name}`, () => {
      assertAgree(write(text));
      let json: string | undefined;
      try {
        json = asJson(text);
      } catch {
        json = undefined; // not YAML at all: nothing to write as JSON
      }
      if (json !== undefined) assertAgree(write(json, 'json'));
    });
  }

  it('agrees over more certificates than one validation slice, and finds a duplicate name across slices', () => {
    assertAgree(write(manyCertificates(1200), 'json'));
    assertAgree(write(manyCertificates(1200, (c, i) => i === 1100 && (c.name = 'site3')), 'json'));
    assertAgree(write(manyCertificates(1200, (c, i) => i === 1150 && (c.domains = ['NOT A NAME'])), 'json'));
  });

  it('agrees on watched endpoints (issue 18): a name shared with a certificate of another slice, and a config that only watches', () => {
    const watching = (text: string, names: string[]) => JSON.stringify({ ...JSON.parse(text), watch: { endpoints: names.map((name) => ({ name, host: `${name}.example.com` })) } }, null, 2);
    assertAgree(write(watching(manyCertificates(1200), ['legacy', 'site1100']), 'json'));
    assertAgree(write(watching(manyCertificates(1200), ['legacy']), 'json'));
    const only = JSON.parse(manyCertificates(1));
    delete only.certificates;
    assertAgree(write(watching(JSON.stringify(only), ['legacy']), 'json'));
    assertAgree(write(watching(JSON.stringify({ ...only, certificates: [] }), ['legacy']), 'json'));
  });

  it('finds a file written by two certificates, in one slice, across slices, and spelled two ways', () => {
    const sameAs = (j: number, spell = (p: string) => p) => (c: Record<string, unknown>, i: number) =>
      i === j && ((c.targets as Record<string, unknown>[])[0].key = spell('./live/site3/privkey.pem'));
    assertAgree(write(manyCertificates(20, sameAs(7)), 'json'));
    assertAgree(write(manyCertificates(1200, sameAs(1100)), 'json'));
    assertAgree(write(manyCertificates(1200, sameAs(1100, (p) => p.replace('./live/', './live/../live/'))), 'json'));
    assertAgree(write(manyCertificates(3, (c, i) => i === 1 && ((c.targets as Record<string, unknown>[])[0].key = './live/site1/fullchain.pem')), 'json'));
    assert.throws(() => loadConfigOutline(write(manyCertificates(1200, sameAs(1100)), 'json')), /certificates\[1100\]\.targets\[0\]\.key: .*site3\/privkey\.pem is also written by certificates\[3\]\.targets\[0\]\.key/);
  });

  it('checks alsoServes names across every certificate, as loadConfig does, whichever slice they are in (issue 15)', () => {
    const alsoServes = (names: string[]) => (c: Record<string, unknown>) => ((c.verify as { endpoints: Record<string, unknown>[] }).endpoints[0].alsoServes = names);
    // Named from the last slice to the first, and through a certificate zod validates in its slice.
    assertAgree(write(manyCertificates(1200, (c, i) => i === 1150 && alsoServes(['site3'])(c)), 'json'));
    assertAgree(write(manyCertificates(1200, (c, i) => (i === 1150 ? alsoServes(['site3'])(c) : i === 3 && (c.policy = { name: 'default', remainingDays: 20 }))), 'json'));
    assertAgree(write(manyCertificates(1200, (c, i) => i === 1150 && alsoServes(['site5000'])(c)), 'json'));
    assertAgree(write(manyCertificates(3, (c, i) => i === 1 && alsoServes(['site1'])(c)), 'json'));
    assertAgree(write(manyCertificates(3, (c, i) => i === 1 && ((c.verify as Record<string, unknown>).settle = '1h')), 'json'));
    assertAgree(write(manyCertificates(3, (c, i) => i === 1 && ((c.verify as Record<string, unknown>).settle = '2s')), 'json'));
  });

  const json = manyCertificates(3);
  const broken: [string, string][] = [
    ['a missing comma between certificates', json.replace(/\}(,)(\s*\{\s*"name": "site1")/, '}$2')],
    ['a list closed by "}"', json.replace(/\]\s*\}\s*$/, '}}')],
    ['two certificates lists', json.replace(/\}\s*$/, ',\n  "certificates": []\n}')],
    ['text after the document', `${json}\n{}`],
    ['a byte order mark', `\ufeff${json}`],
  ];
  for (const [name, text] of broken) {
    it(`a JSON config with ${name} gets loadConfig's verdict`, () => assertAgree(write(text, 'json')));
  }

  // Cut into runs where an indented file separates certificates (outline.ts guessedRuns), or
  // scanned when the layout is another: the same verdict either way.
  /** Certificates with many targets, each "{" but the first indented as deep as a certificate's. */
  const oddlyIndented = manyCertificates(250, (c, i) => {
    const t = (c.targets as Record<string, unknown>[])[0];
    c.targets = Array.from({ length: 12 }, (_, k) => ({ ...t, cert: `./${i}/c${k}.pem`, key: `./${i}/k${k}.pem` }));
  }).replace(/\},\n {8}\{\n {10}"type": "file"/g, '},\n    {\n          "type": "file"');
  const layouts: [string, string][] = [
    ['certificates not last', json.replace(/\n\}\s*$/, ',\n  "concurrency": 4\n}')],
    ['certificates followed by another list', json.replace(/\n\}\s*$/, ',\n  "policies": [\n    "p.yaml"\n  ]\n}')],
    ['nested objects indented like certificates', oddlyIndented],
    ['no line breaks at all', JSON.stringify(JSON.parse(manyCertificates(250)))],
    ['tabs', JSON.stringify(JSON.parse(manyCertificates(250)), null, '\t')],
    ['a broken certificate in the middle of a long list', manyCertificates(250).replace('"name": "site150"', '"name": "site150",,')],
    ['a stray "]" between certificates', manyCertificates(250).replace(/\},(\s*\{\s*"name": "site150")/, '}],$1')],
  ];
  for (const [name, text] of layouts) {
    it(`a JSON config with ${name} gets loadConfig's verdict`, () => assertAgree(write(text, 'json')));
  }

  it('cuts an indented list of certificates into runs, and notices a wrong cut', () => {
    assert.equal([...jsonParts(Buffer.from(manyCertificates(1000)), 'c.json', true)!.certificates].length, 1000);
    const odd = Buffer.from(oddlyIndented);
    assert.ok(oddlyIndented.includes('},\n    {\n          "type": "file"'));
    assert.throws(() => [...jsonParts(odd, 'c.json', true)!.certificates], GuessFailed);
    assert.equal([...jsonParts(odd, 'c.json', false)!.certificates].length, 250);
    assert.equal(loadConfigOutline(write(oddlyIndented, 'json')).certificates.length, 250);
  });

  it('resolves references inside certificates of a JSON config', () => {
    process.env.CERTLOOP_OUTLINE_TEST_DOMAIN = 'from-env.test';
    assertAgree(write(manyCertificates(2, (c, i) => i === 1 && (c.domains = ['${env:CERTLOOP_OUTLINE_TEST_DOMAIN}'])), 'json'));
    assert.deepEqual(loadConfigOutline(write(manyCertificates(2, (c, i) => i === 1 && (c.domains = ['${env:CERTLOOP_OUTLINE_TEST_DOMAIN}'])), 'json')).certificates[1].domains, ['from-env.test']);
    assertAgree(write(manyCertificates(2, (c, i) => i === 1 && (c.domains = ['${env:CERTLOOP_SURELY_UNSET}'])), 'json'));
  });
});

describe('JSON configs (JSON is YAML: the fast path)', () => {
  it('names the line and column of a problem, as for YAML', () => {
    const text = manyCertificates(3, (c, i) => i === 2 && (c.key = { type: 'ed25519' }));
    const line = text.split('\n').findIndex((l) => l.includes('"ed25519"')) + 1;
    const col = text.split('\n')[line - 1].indexOf('"ed25519"') + 1;
    const file = write(text, 'json');
    assert.throws(() => loadConfig(file), (err: Error) => {
      assert.match(err.message, new RegExp(`c\\d+\\.json:${line}:${col}: certificates\\[2\\]\\.key\\.type: expected one of`));
      return true;
    });
  });

  it('names a missing field at its parent', () => {
    const text = manyCertificates(2, (c, i) => i === 1 && delete (c.targets as Record<string, unknown>[])[0].key);
    const lines = text.split('\n');
    // The second certificate's only target starts on the line after its "targets": [ .
    const targets = lines.findIndex((l, k) => l.includes('"targets"') && lines.slice(0, k).some((p) => p.includes('"site1"')));
    const file = write(text, 'json');
    assert.throws(() => loadConfig(file), new RegExp(`:${targets + 2}:\\d+: certificates\\[1\\]\\.targets\\[0\\]\\.key: required field is missing`));
  });
});

describe('HashSet53 (the outline\'s set of target files)', () => {
  it('answers as a Set does over 100,000 safe integers, 0 and values that share a slot included', () => {
    const set = new HashSet53();
    const reference = new Set<number>();
    const values = [0, 1, 1024, 2048, 2 ** 53 - 1, ...Array.from({ length: 100_000 }, (_, i) => (i * 2654435761) % 2 ** 53), ...Array.from({ length: 1000 }, (_, i) => i * 1024)];
    for (const v of [...values, ...values.slice(0, 500)]) {
      // 0 and 1 share the empty marker's substitute: 1; the outline only ever loses speed on it.
      const fresh = !reference.has(v === 0 ? 1 : v);
      reference.add(v === 0 ? 1 : v);
      assert.equal(set.add(v), fresh, String(v));
    }
  });
});

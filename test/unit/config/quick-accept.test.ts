/**
 * The quick check plan's outline uses (src/config/quick-accept.ts, outline.ts quickOutline) must
 * never accept what zod rejects, and must give the outline zod would: run both over many valid
 * certificates and over every one-field and random two-field breakage of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { withBaseDir } from '../../../src/config/fields.js';
import { quickOutline } from '../../../src/config/outline.js';
import { quickAccept } from '../../../src/config/quick-accept.js';
import { CertificateConfig, Config } from '../../../src/config/schema.js';
import { random } from '../../support/random.js';

const ACME = { directory: 'https://localhost:14000/dir', email: 'ops@example.com' };

/** Valid certificates of every kind a config holds (each is checked to be valid below). */
const VALID: [string, Record<string, unknown>][] = [
  ['the shape bench/plan generates', {
    name: 'site1',
    domains: ['site1.example.com', 'www.site1.example.com'],
    challenge: { type: 'http-01', listen: '127.0.0.1:5002' },
    targets: [{ type: 'file', cert: './live/site1/fullchain.pem', key: './live/site1/privkey.pem', reload: ['systemctl', 'reload', 'nginx'] }],
    verify: { endpoints: [{ host: 'site1.example.com', port: 443 }] },
  }],
  ['the README example', {
    name: 'web',
    domains: ['a.test', 'b.test'],
    key: { type: 'ecdsa-p256' },
    challenge: { type: 'http-01', listen: '127.0.0.1:5002' },
    targets: [{ type: 'file', cert: './live/web/fullchain.pem', key: './live/web/privkey.pem', reload: ['nginx', '-p', './nginx', '-c', 'nginx.conf', '-s', 'reload'] }],
    verify: { endpoints: [{ host: '127.0.0.1', port: 8443, sni: 'a.test' }], trust: './pebble-root.pem' },
    policy: 'short-lived',
  }],
  ['every optional field of a file target and of verify', {
    name: 'full_1.x',
    domains: ['x.test'],
    key: { type: 'rsa-2048' },
    challenge: { type: 'http-01', webroot: '/var/www/html' },
    targets: [
      { type: 'file', cert: '/etc/ssl/c.pem', key: '/etc/ssl/k.pem', chain: '/etc/ssl/chain.pem', reload: ['true'], reloadTimeout: '10s' },
      { type: 'file', cert: 'c2.pem', key: 'k2.pem', reloadTimeout: 5 },
    ],
    verify: {
      endpoints: [{ host: 'x.test', addresses: ['192.0.2.1', '2001:db8::1'], starttls: 'smtp', timeout: '3s' }, { host: 'y.test' }],
      resolver: ['127.0.0.1:5353'],
      deadline: '1h',
      timeout: '5s',
      pollFor: '30s',
    },
  }],
  ['sampling, a pinned family and a second certificate on the endpoint (issue 15)', {
    name: 'dual',
    domains: ['d.test'],
    challenge: { type: 'http-01', listen: '127.0.0.1:5002' },
    targets: [{ type: 'file', cert: 'c.pem', key: 'k.pem' }],
    verify: { endpoints: [{ host: 'd.test', samples: 6, family: 4, alsoServes: ['dual-rsa'] }, { host: 'e.test', family: 6 }], samples: 5 },
  }],
  ['a settle time beside pollFor', {
    name: 'settled',
    domains: ['s.test'],
    challenge: { type: 'http-01', listen: '127.0.0.1:5002' },
    targets: [{ type: 'file', cert: 'c.pem', key: 'k.pem' }],
    verify: { endpoints: [{ host: 's.test' }], pollFor: '30s', settle: '5s' },
  }],
  ['no endpoints, unverified by choice', {
    name: 'blind',
    domains: ['blind.test'],
    challenge: { type: 'http-01', listen: '127.0.0.1:5002' },
    targets: [{ type: 'file', cert: 'c.pem', key: 'k.pem' }],
    verify: { endpoints: [], unverified: true },
  }],
  ['a Key Vault target', {
    name: 'kv',
    domains: ['kv.test'],
    challenge: { type: 'http-01', listen: '[::1]:80' },
    targets: [{ type: 'key-vault', vaultUrl: 'https://v.vault.azure.net/', certificateName: 'kv-test', credential: { type: 'managed-identity', clientId: 'id' } }],
  }],
  ['a dns-01 wildcard', {
    name: 'wild',
    domains: ['*.w.test', 'w.test'],
    challenge: { type: 'dns-01', provider: 'rfc2136', server: '127.0.0.1:5353', zone: 'w.test.', tsig: { name: 'certloop', secret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=' } },
    targets: [{ type: 'file', cert: 'c.pem', key: 'k.pem' }],
  }],
  ['a policy with overrides', {
    name: 'p',
    domains: ['p.test'],
    challenge: { type: 'http-01', listen: '127.0.0.1:5002' },
    targets: [{ type: 'file', cert: 'c.pem', key: 'k.pem' }],
    policy: { name: 'default', remainingDays: 20, jitter: '1h' },
  }],
];

/** Values every field is replaced by in turn: wrong types, edge cases of each kind of field. */
const ODD: unknown[] = [
  null, true, 0, -1, 1.5, 443, 65536, '', ' ', 'x', 'X', '443', '30s', 'soon', '1/3',
  // Durations outside the ranges of timer settings (issue 16): none, past Node's timer limit, past any Date.
  '0s', 2_200_000, '99999999999d',
  'a.test', 'A.TEST', 'localhost', 'a..test', '-a.test', 'a-.test', '*.a.test', 'a.test.', `${'a'.repeat(64)}.test`,
  '127.0.0.1:5002', '127.0.0.1', '[::1]:5002', 'web/1', './p.pem', 'https://v.vault.azure.net', 'file', 'http-01', 'dns-01',
  'key-vault', 'default', 'short-lived', 'ecdsa-p256', 'ed25519', 'smtp',
  [], [''], ['a.test'], ['a.test', 'a.test'], ['*.a.test'], [{}], [null], {}, { type: 'file' }, { type: 'http-01' },
  { type: 'file', cert: 'c', key: 'k' }, { host: 'h' }, { name: 'default' }, { name: 'nope' },
];

type Path = (string | number)[];

/** Every path inside a value, the root excepted. */
function paths(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push([...at, i], ...paths(v, [...at, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push([...at, k], ...paths(v, [...at, k]));
  return out;
}

function edit(base: unknown, at: Path, change: (parent: any, key: string | number) => void): unknown {
  const copy = structuredClone(base) as any;
  let parent = copy;
  for (const k of at.slice(0, -1)) parent = parent[k];
  change(parent, at[at.length - 1]);
  return copy;
}

/** One-field breakages: each value replaced, removed, given a stray sibling; array elements removed or doubled. */
function variants(base: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  for (const at of paths(base)) {
    for (const v of ODD) out.push(edit(base, at, (p, k) => (p[k] = structuredClone(v))));
    out.push(edit(base, at, (p, k) => (Array.isArray(p) ? p.splice(k as number, 1) : delete p[k])));
    out.push(edit(base, at, (p, k) => (Array.isArray(p) ? p.splice(k as number, 0, structuredClone(p[k as never])) : (p[`${k}x`] = p[k]))));
    out.push(edit(base, at, (p, k) => (p[k] = [p[k]])));
    out.push(edit(base, at, (p, k) => (p[k] = undefined)));
  }
  // A field that could be there and is not: every key the schema knows, added to the certificate.
  for (const key of Object.keys(CertificateConfig.shape)) for (const v of ODD.slice(0, 20)) out.push({ ...base, [key]: v });
  out.push({ ...base, __proto__x: 1 }, JSON.parse(`{"__proto__": {"name": "evil"}, ${JSON.stringify(base).slice(1)}`));
  return out;
}

/** zod's verdict on one certificate in a config, and the outline loadConfig would keep of it. */
function zodOutline(cert: unknown): { name: string; domains: string[]; policy?: unknown } | undefined {
  const r = withBaseDir('/etc/certloop', () => Config.safeParse({ acme: ACME, certificates: [cert] }));
  if (!r.success) return undefined;
  const c = r.data.certificates[0];
  return { name: c.name, domains: c.domains, ...(c.policy !== undefined ? { policy: c.policy } : {}) };
}

function assertSound(cert: unknown, counts: { quick: number; zodOnly: number; rejected: number }): void {
  const quick = withBaseDir('/etc/certloop', () => quickOutline(cert));
  const full = zodOutline(cert);
  if (quick) {
    assert.ok(full, `the quick check accepts a certificate zod rejects: ${JSON.stringify(cert)}`);
    assert.deepEqual(quick, full, `the quick outline differs from zod's for ${JSON.stringify(cert)}`);
    counts.quick++;
  } else if (full) counts.zodOnly++;
  else counts.rejected++;
  // The generic check alone (no FilePath shortcut), on the certificate schema: true ⇒ zod accepts.
  if (acceptCertificate(cert)) assert.ok(CertificateConfig.safeParse(cert).success, `quickAccept accepts what CertificateConfig rejects: ${JSON.stringify(cert)}`);
}

const acceptCertificate = quickAccept(CertificateConfig);

describe('quick acceptance of certificates (plan outline) never accepts what zod rejects', () => {
  for (const [name, cert] of VALID) {
    it(`agrees with zod on ${name} and on every one-field breakage of it`, () => {
      assert.ok(zodOutline(cert), `the base certificate is valid: ${JSON.stringify(zodOutline(cert))}`);
      const counts = { quick: 0, zodOnly: 0, rejected: 0 };
      for (const v of [cert, ...variants(cert)]) assertSound(v, counts);
      // Not vacuous: breakages were rejected, and the quick check accepted valid variants.
      assert.ok(counts.rejected > 100, `only ${counts.rejected} variants rejected`);
      assert.ok(counts.quick + counts.zodOnly > 20, `only ${counts.quick + counts.zodOnly} variants accepted`);
    });
  }

  it('agrees with zod on 3,000 random two-field breakages', () => {
    const next = random(8);
    const counts = { quick: 0, zodOnly: 0, rejected: 0 };
    for (let n = 0; n < 3000; n++) {
      const [, base] = VALID[Math.floor(next() * VALID.length)];
      let cert: unknown = base;
      for (let m = 0; m < 2; m++) {
        const all = paths(cert);
        const at = all[Math.floor(next() * all.length)];
        const v = ODD[Math.floor(next() * ODD.length)];
        cert = next() < 0.15 ? edit(cert, at, (p, k) => (Array.isArray(p) ? p.splice(k as number, 1) : delete p[k])) : edit(cert, at, (p, k) => (p[k] = structuredClone(v)));
      }
      assertSound(cert, counts);
    }
    assert.ok(counts.rejected > 500 && counts.quick > 50, JSON.stringify(counts));
  });

  it('accepts the common shapes itself (else plan is slow, not wrong)', () => {
    for (const name of ['the shape bench/plan generates', 'the README example', 'every optional field of a file target and of verify', 'sampling, a pinned family and a second certificate on the endpoint (issue 15)']) {
      const cert = VALID.find(([n]) => n === name)![1];
      assert.ok(withBaseDir('/etc/certloop', () => quickOutline(cert)), `${name} goes through zod`);
    }
  });
});

describe('quickAccept mirrors zod for the containers it handles', () => {
  const cases: [string, z.ZodType, unknown[]][] = [
    ['absent optional, defaulted and required fields', z.strictObject({ a: z.string(), b: z.number().optional(), c: z.number().default(1) }), [{ a: 'x' }, {}, { b: 1 }, { a: 'x', b: 'y' }, { a: 'x', c: 'y' }, { a: 'x', d: 1 }, { a: 'x', b: undefined }, [], null, 'x']],
    ['a field that accepts undefined without being optional', z.strictObject({ a: z.union([z.string(), z.undefined()]) }), [{}, { a: 'x' }, { a: undefined }]],
    ['an optional field whose inner schema is defaulted', z.strictObject({ a: z.number().default(2).optional() }), [{}, { a: 1 }, { a: 'x' }]],
    ['array lengths', z.array(z.string()).min(2).max(3), [[], ['a'], ['a', 'b'], ['a', 'b', 'c', 'd'], ['a', 1], 'ab', [undefined, 'a']]],
    ['an array check it does not mirror', z.array(z.string()).refine((a) => a.length !== 2), [['a'], ['a', 'b']]],
    ['a refined object', z.strictObject({ a: z.number() }).refine((o) => o.a > 1), [{ a: 1 }, { a: 2 }]],
    ['a loose object', z.object({ a: z.number() }), [{ a: 1 }, { a: 1, b: 2 }]],
    ['a discriminated union', z.discriminatedUnion('t', [z.strictObject({ t: z.literal('a'), x: z.number() }), z.strictObject({ t: z.literal('b'), y: z.string() })]), [{ t: 'a', x: 1 }, { t: 'a', y: 'q' }, { t: 'b', y: 'q' }, { t: 'c' }, {}, [], { t: 'b', y: 'q', z: 1 }]],
    ['a recursive schema', (() => {
      const Node: z.ZodType = z.lazy(() => z.strictObject({ v: z.number(), kids: z.array(Node).optional() }));
      return Node;
    })(), [{ v: 1 }, { v: 1, kids: [{ v: 2 }] }, { v: 1, kids: [{ v: 'x' }] }]],
  ];
  for (const [name, schema, values] of cases) {
    it(`${name}: true only where zod accepts`, () => {
      const accept = quickAccept(schema);
      let accepted = 0;
      for (const v of values) {
        const q = accept(v);
        if (q) accepted++;
        if (q) assert.ok(schema.safeParse(v).success, `accepts ${JSON.stringify(v)} which zod rejects`);
      }
      assert.ok(accepted > 0, 'accepts nothing at all');
    });
  }

  it('accepts without zod the plain values zod accepts, for the containers it mirrors', () => {
    const schema = z.strictObject({ a: z.string(), b: z.array(z.number()).min(1), c: z.number().default(1) });
    assert.equal(quickAccept(schema)({ a: 'x', b: [1] }), true);
    assert.equal(quickAccept(schema)({ a: 'x', b: [] }), false);
  });
});

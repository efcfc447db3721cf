/**
 * `certloop plan`'s text and JSON, byte for byte, for certificates in every state a plan shows
 * (ARI window, a failure waiting for its retry, never issued): the output is a contract that
 * scripts read, and plan's writer is tuned for 100,000 certificates (bench/plan).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planCommand } from '../../../src/cli/commands/plan.action.js';
import type { CertificateRecord } from '../../../src/state/record.js';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { tempDir } from '../../support/workspace.js';

const dir = tempDir('plan-command');
const config = path.join(dir, 'certloop.json');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function cert(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    domains: [`${name}.example.com`],
    challenge: { type: 'http-01', listen: '127.0.0.1:5002' },
    targets: [{ type: 'file', cert: `./live/${name}/fullchain.pem`, key: `./live/${name}/privkey.pem` }],
    ...extra,
  };
}

function record(name: string, serial: string, notBefore: string, notAfter: string): CertificateRecord {
  const issued = { serial, domains: [`${name}.example.com`], notBefore, notAfter, fullchainPem: 'PEM', keyPem: 'KEY', issuedAt: notBefore, directory: 'https://ca.test/dir', orderUrl: 'https://ca.test/order/1' };
  return {
    name,
    version: 0,
    issued,
    targets: {},
    deployedSerial: serial,
    deployedAt: notBefore,
    lastVerification: { serial, at: notBefore, verified: true, results: [] },
    conditions: {},
    updatedAt: notBefore,
  } as unknown as CertificateRecord;
}

async function run(args: Parameters<typeof planCommand>[0]): Promise<string> {
  let text = '';
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => ((text += s), true)) as typeof process.stdout.write;
  try {
    assert.equal(await planCommand(args), 0);
  } finally {
    process.stdout.write = write;
  }
  return text;
}

const AT = '2026-03-01T00:00:00.000Z';

describe('plan output', () => {
  before(async () => {
    fs.writeFileSync(config, JSON.stringify({
      acme: { directory: 'https://ca.test/dir' },
      state: './certloop.db',
      certificates: [cert('steady'), cert('ari'), cert('failing', { policy: 'short-lived' }), cert('new')],
    }, null, 2));
    const store = new SqliteStore(path.join(dir, 'certloop.db'));
    await store.put(record('steady', '0123456789abcdef0123', '2026-02-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z'));
    const ari = record('ari', 'aa11', '2026-02-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z');
    ari.ari = { serial: 'aa11', certId: 'x.aa11', windowStart: '2026-03-10T00:00:00.000Z', windowEnd: '2026-03-12T00:00:00.000Z', selectedAt: '2026-03-11T00:00:00.000Z', explanationURL: 'https://ca.test/why', fetchedAt: AT, nextFetchAt: '2026-03-01T06:00:00.000Z' };
    await store.put(ari);
    const failing = record('failing', 'ff22', '2026-02-26T00:00:00.000Z', '2026-03-04T00:00:00.000Z');
    failing.lastFailure = { step: 'issue', code: 'ACME_ORDER', message: 'rate limited', at: '2026-02-28T23:00:00.000Z', attempts: 2, nextAttemptAt: '2026-03-01T00:10:00.000Z' };
    await store.put(failing);
    await store.close();
  });

  it('prints every kind of line as before', async () => {
    const text = await run({ config, at: AT });
    assert.equal(text, `plan at 2026-03-01T00:00:00.000Z (${text.match(/\((.*)\)/)![1]})

steady  policy default
  serial    issued 0123456789abcdef…  deployed 0123456789abcdef…
  expires   2026-05-02T00:00:00.000Z (in 62d)
  renews    2026-04-02T00:00:00.000Z (in 32d; fraction: 1/3 of the 2160 h lifetime remains)
  would     none: up to date; renewal due 2026-04-02T00:00:00.000Z

ari  policy default
  serial    issued aa11  deployed aa11
  expires   2026-05-02T00:00:00.000Z (in 62d)
  renews    2026-03-11T00:00:00.000Z (in 10d; ari: the CA suggests renewing between 2026-03-10T00:00:00.000Z and 2026-03-12T00:00:00.000Z (ARI))
  ari       window 2026-03-10T00:00:00.000Z .. 2026-03-12T00:00:00.000Z, picked 2026-03-11T00:00:00.000Z see https://ca.test/why
  would     none: up to date; renewal due 2026-03-11T00:00:00.000Z

failing  policy short-lived
  serial    issued ff22  deployed ff22
  expires   2026-03-04T00:00:00.000Z (in 3d)
  renews    2026-03-01T00:00:00.000Z (in 0s; fraction: 1/2 of the 144 h lifetime remains)
  failure   issue: rate limited (attempt 2)
  retry     2026-03-01T00:10:00.000Z (in 10m)
  would     wait [retry]: renewal was due at 2026-03-01T00:00:00.000Z: 1/2 of the 144 h lifetime remains; the last attempt failed (rate limited), next attempt at 2026-03-01T00:10:00.000Z

new  policy default
  serial    issued -  deployed -
  would     issue: no certificate has been issued yet
`);
  });

  it('prints JSON that is JSON.stringify of the plans, and only the certificates named', async () => {
    const text = await run({ config, at: AT, json: true });
    const parsed = JSON.parse(text) as { certificates: { name: string; action: string }[] };
    assert.equal(text, `${JSON.stringify(parsed, null, 2)}\n`);
    assert.deepEqual(parsed.certificates.map((c) => [c.name, c.action]), [['steady', 'none'], ['ari', 'none'], ['failing', 'wait'], ['new', 'issue']]);
    const one = JSON.parse(await run({ config, at: AT, json: true, names: ['ari'] })) as { certificates: unknown[] };
    assert.deepEqual(one.certificates, [parsed.certificates[1]]);
  });
});

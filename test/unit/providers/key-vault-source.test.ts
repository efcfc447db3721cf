/**
 * Key Vault as a source (issue 18 §3): which version should be served (pick.ts), when the vault
 * itself is expiring (controller/source.ts sourceExpiring), how a certificate with a source is
 * decided (policy/checks/from-source.ts), and what the config accepts (config/schema.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickVersion, type VersionProperties } from '../../../providers/certificate-sources/key-vault/pick.js';
import { sourceExpiring } from '../../../src/controller/source.js';
import { parseConfigText } from '../../../src/config/load.js';
import { loadConfigOutline } from '../../../src/config/outline.js';
import { ConfigError } from '../../../src/errors.js';
import { decide, evaluate } from '../../../src/policy/decide.js';
import { DEFAULT_POLICY } from '../../../src/policy/defaults.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T12:00:00Z');
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
const v = (version: string, createdDays: number, extra: Partial<VersionProperties> = {}): VersionProperties => ({ version, enabled: true, createdOn: at(createdDays), ...extra });

describe('which Key Vault version should be served', () => {
  const cases: [string, VersionProperties[], string | undefined, string[], Date | undefined][] = [
    ['the newest enabled version, whatever order the vault lists them in', [v('a', -30), v('c', -1), v('b', -10)], 'c', [], at(-1)],
    ['a disabled newest version is passed over, and the one before is current since it was disabled', [v('a', -30), v('b', -1, { enabled: false, updatedOn: at(-0.5) })], 'a', ['b'], at(-0.5)],
    ['a version not valid yet is passed over, and the one before stays current since its creation', [v('a', -30), v('b', -1, { notBefore: at(1) })], 'a', ['b'], at(-30)],
    ['no enabled version that is valid now: nothing to serve', [v('a', -30, { enabled: false })], undefined, ['a'], undefined],
    ['no versions at all: nothing to serve', [], undefined, [], undefined],
  ];
  for (const [name, versions, chosen, skipped, since] of cases) {
    it(name, () => {
      const p = pickVersion(versions, NOW);
      assert.equal(p.chosen?.version, chosen);
      assert.deepEqual(p.skipped.map((s) => s.version), skipped);
      assert.equal(p.currentSince?.toISOString(), since?.toISOString());
    });
  }
});

describe('when the vault itself is expiring', () => {
  const policy = { expiringAlertMs: 21 * DAY };
  const cases: [string, { notBefore: Date; notAfter: Date; skipped: { version: string; reason: string; notBefore?: Date }[] }, boolean][] = [
    ['a one-year version with 20 days left and nothing newer is expiring', { notBefore: at(-345), notAfter: at(20), skipped: [] }, true],
    ['a one-year version with 30 days left is not expiring yet', { notBefore: at(-335), notAfter: at(30), skipped: [] }, false],
    ['a 90-day version with 20 days left is not: the threshold is at most a fifth of the lifetime (18 days)', { notBefore: at(-70), notAfter: at(20), skipped: [] }, false],
    ['a 90-day version with 17 days left is expiring', { notBefore: at(-73), notAfter: at(17), skipped: [] }, true],
    ['an expired version with nothing newer is expiring (it has expired)', { notBefore: at(-100), notAfter: at(-1), skipped: [] }, true],
    ['a successor that starts before it ends means nothing is expiring', { notBefore: at(-345), notAfter: at(20), skipped: [{ version: 'n', reason: 'not valid yet', notBefore: at(5) }] }, false],
    ['a disabled newer version is no successor', { notBefore: at(-345), notAfter: at(20), skipped: [{ version: 'n', reason: 'disabled' }] }, true],
  ];
  for (const [name, version, expected] of cases) {
    it(name, () => assert.equal(sourceExpiring(version, policy, NOW) !== undefined, expected));
  }
});

describe('a certificate with a source is never issued', () => {
  const record = {
    issued: { serial: 'AA', domains: ['a.test'], notBefore: at(-80).toISOString(), notAfter: at(5).toISOString(), issuedAt: at(-80).toISOString(), directory: 'key-vault:x' },
    deployedSerial: 'AA',
    targets: {},
  };
  it('not even forced, nor when its renewal would be long due, and it has no renewal time', () => {
    const { decision, renewal } = evaluate({ record: record as never, domains: ['a.test'], force: true, source: 'Key Vault certificate "www" in https://v' }, DEFAULT_POLICY, NOW);
    assert.equal(decision.action, 'none');
    assert.equal(decision.reason, 'FromSource');
    assert.equal(renewal, undefined);
    assert.equal(decide({ record: record as never, domains: ['a.test'] }, DEFAULT_POLICY, NOW).action, 'issue', 'without a source it would be renewed');
  });
});

describe('the config of a certificate with a source', () => {
  const base = (cert: string) => `acme: { directory: https://localhost:14000/dir }
certificates:
  - name: web
    domains: [a.test]
${cert}`;
  const source = '    source: { type: key-vault, vaultUrl: https://v.vault.azure.net/, certificateName: web }\n';
  const problems = (text: string) => {
    try {
      parseConfigText(text, '/etc/certloop/certloop.yaml');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.message;
    }
    return '';
  };
  it('needs neither challenge nor targets, and keeps the vault URL without its trailing slash', () => {
    const c = parseConfigText(base(`${source}    policy: azure-app-gateway\n`), '/x/c.yaml');
    assert.equal(c.certificates[0].source?.vaultUrl, 'https://v.vault.azure.net');
    assert.equal(c.certificates[0].challenge, undefined);
  });
  it('without a source, a missing challenge and targets get the message every missing field gets', () => {
    const m = problems(base(''));
    assert.match(m, /certificates\[0\]\.challenge: required field is missing \(expected object\)/);
    assert.match(m, /certificates\[0\]\.targets: required field is missing \(expected array\)/);
  });
  it('with a source, targets would never be used: rejected, saying why', () => {
    assert.match(problems(base(`${source}    policy: azure-app-gateway\n    targets: [{ type: file, cert: ./a.pem, key: ./a.key }]\n`)), /certificates\[0\]\.targets: certloop does not issue a certificate with a source/);
  });
  it('with a source, the default policy (no pick-up time) must be chosen on purpose: a policy or verify.deadline', () => {
    assert.match(problems(base(source)), /certificates\[0\]\.policy: a certificate from a source is picked up by its consumers on their own schedule/);
    assert.equal(problems(base(`${source}    verify: { deadline: 2h }\n`)), '');
  });
  it('the outline used by plan gives the same verdict and carries the source', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-source-'));
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, base(''));
    assert.throws(() => loadConfigOutline(file), /challenge: required field is missing/);
    fs.writeFileSync(file, base(`${source}    policy: azure-app-gateway\n`));
    assert.equal(loadConfigOutline(file).certificates[0].source?.type, 'key-vault');
  });
});

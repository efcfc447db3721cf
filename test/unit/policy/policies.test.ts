import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { policyFor } from '../../../src/controller/run.js';
import { ConfigError } from '../../../src/errors.js';
import { DEFAULT_POLICY } from '../../../src/policy/defaults.js';
import { loadPolicySet, shippedPoliciesDir } from '../../../src/policy/load.js';
import { parseDuration } from '../../../src/util/duration.js';
import { docPages, readDoc } from '../../support/docs.js';

const DAY = 86_400_000;

function config(certExtra = '', top = ''): string {
  return `acme:
  directory: https://localhost:14000/dir
${top}certificates:
  - name: web
    domains: [a.test]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets: [{ type: file, cert: ./c.pem, key: ./k.pem }]
${certExtra}`;
}

function problems(text: string, file = '/etc/certloop/certloop.yaml'): string[] {
  try {
    parseConfigText(text, file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.message.split('\n');
  }
  assert.fail('expected the config to be rejected');
}

describe('shipped policies', () => {
  const set = loadPolicySet();

  it('all load without problems, each named after its file', () => {
    assert.deepEqual(set.problems, []);
    for (const file of fs.readdirSync(shippedPoliciesDir()).filter((f) => f.endsWith('.yaml'))) {
      assert.ok(set.policies.has(path.basename(file, '.yaml')), `${file} defines the policy named after it`);
    }
    for (const name of ['default', 'short-lived', 'fixed-30-days', 'azure-app-gateway', 'azure-app-service', 'azure-front-door']) {
      assert.ok(set.policies.has(name), `ships ${name}`);
    }
  });

  it('default.yaml states exactly the built-in DEFAULT_POLICY', () => {
    const { description, ...fromFile } = set.policies.get('default')!;
    assert.ok(description);
    assert.deepEqual(fromFile, DEFAULT_POLICY);
  });

  it('the documentation gives the verify deadline of every shipped policy it names as the policy file has it (issue 16: 1 h against 0s)', () => {
    const verification = readDoc('docs/verification.md');
    const stated = /The shipped `default`\s+policy has `verifyDeadline: (\w+)`/.exec(verification);
    assert.ok(stated, 'docs/verification.md states the default verify deadline');
    assert.equal(parseDuration(stated[1]), set.policies.get('default')!.verifyDeadlineMs);
    const others = /give it time: the Azure policies \(([^)]*)\), `short-lived` \((\w+)\)/.exec(verification);
    assert.ok(others, 'docs/verification.md names the policies with longer deadlines');
    const named = [...others[1].matchAll(/`([\w-]+)` (\w+)/g), ['', 'short-lived', others[2]]];
    assert.equal(named.length, 4);
    for (const [, name, value] of named) assert.equal(parseDuration(value), set.policies.get(name)!.verifyDeadlineMs, name);
    for (const page of docPages()) assert.doesNotMatch(readDoc(page), /verifyDeadlineMs`, 1 h|the policy's, 1h/, `no stale statement of a 1 h default is left in ${page}`);
  });

  it('fixed-30-days renews 30 days before expiry without ARI', () => {
    const p = set.policies.get('fixed-30-days')!;
    assert.equal(p.remainingDays, 30);
    assert.equal(p.ari, false);
    assert.deepEqual(p.retrySchedulesMs, DEFAULT_POLICY.retrySchedulesMs, 'inherits the rest from default');
  });

  it('Azure pick-up policies allow for the pick-up delay in their verify deadlines', () => {
    assert.ok(set.policies.get('azure-app-gateway')!.verifyDeadlineMs > 4 * 3_600_000);
    assert.ok(set.policies.get('azure-app-service')!.verifyDeadlineMs > DAY);
    assert.ok(set.policies.get('azure-front-door')!.verifyDeadlineMs > 3 * DAY);
  });
});

describe('policy selection in the config', () => {
  it('a certificate without a policy gets default', () => {
    const c = parseConfigText(config(), '/etc/certloop/certloop.yaml');
    assert.equal(policyFor(c.certificates[0]).name, 'default');
  });

  it('a certificate names a shipped policy', () => {
    const c = parseConfigText(config('    policy: short-lived\n'), '/etc/certloop/certloop.yaml');
    assert.equal(policyFor(c.certificates[0]).name, 'short-lived');
    assert.equal(policyFor(c.certificates[0]).remainingFraction, 1 / 2);
  });

  it('a mapping overrides single fields of the named policy and keeps the rest', () => {
    const c = parseConfigText(config('    policy: { name: fixed-30-days, remainingDays: 20, verifyDeadline: 2h }\n'), '/etc/certloop/certloop.yaml');
    const p = policyFor(c.certificates[0]);
    assert.equal(p.name, 'fixed-30-days+overrides');
    assert.equal(p.remainingDays, 20);
    assert.equal(p.verifyDeadlineMs, 2 * 3_600_000);
    assert.equal(p.ari, false);
  });

  it('a policy file listed under policies: adds a policy that may extend a shipped one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-policy-'));
    fs.writeFileSync(path.join(dir, 'team.yaml'), 'name: team\nextends: short-lived\nexpiringAlert: 3d\nretry:\n  deploy: [5m]\n');
    const c = parseConfigText(config('    policy: team\n', 'policies: [./team.yaml]\n'), path.join(dir, 'certloop.yaml'));
    const p = policyFor(c.certificates[0]);
    assert.equal(p.expiringAlertMs, 3 * DAY);
    assert.deepEqual(p.retrySchedulesMs.deploy, [300_000]);
    assert.equal(p.remainingFraction, 1 / 2, 'inherited from short-lived');
  });

  const bad: [string, string, string, RegExp][] = [
    ['an unknown policy name is located at the field and lists the known ones', config('    policy: weekly\n'), '', /certloop\.yaml:8:\d+: certificates\[0\]\.policy: unknown policy "weekly" \(known: .*default/],
    ['an unknown override field is named', config('    policy: { name: default, remainingDayz: 3 }\n'), '', /certificates\[0\]\.policy: unknown field "remainingDayz"/],
    ['a fraction outside 0..1 is explained', config('    policy: { remainingFraction: 3 }\n'), '', /certificates\[0\]\.policy\.remainingFraction: expected a fraction between 0 and 1/],
    ['an emergency floor above the renewal fraction is refused', config('    policy: { emergencyFraction: 1/2 }\n'), '', /certificates\[0\]\.policy\.emergencyFraction: 1\/2 must be smaller than remainingFraction/],
  ];
  for (const [name, text, , re] of bad) {
    it(name, () => {
      const lines = problems(text);
      assert.ok(lines.some((l) => re.test(l)), lines.join('\n'));
    });
  }

  it('a broken policy file is reported with its own file, line and field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-policy-'));
    fs.writeFileSync(path.join(dir, 'team.yaml'), 'name: team\nverifyDeadline: soon\n');
    const lines = problems(config('    policy: team\n', 'policies: [./team.yaml]\n'), path.join(dir, 'certloop.yaml'));
    assert.ok(lines.some((l) => /team\.yaml:2:\d+: verifyDeadline: expected a duration/.test(l)), lines.join('\n'));
  });

  it('a policy file that redefines a shipped name or extends an unknown one is refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-policy-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'name: default\n');
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'name: b\nextends: nope\n');
    const lines = problems(config('', 'policies: [./a.yaml, ./b.yaml]\n'), path.join(dir, 'certloop.yaml'));
    assert.ok(lines.some((l) => /a\.yaml: name: policy "default" is already defined/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /b\.yaml: extends: unknown policy "nope"/.test(l)), lines.join('\n'));
  });
});

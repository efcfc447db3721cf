/**
 * infra/azure/main.bicep, checked structurally: there is no Bicep compiler on the npm registry
 * (the `bicep` package there is unrelated) and Azure's CLI cannot be installed here, so this test
 * parses the declarations itself (params, vars, resources with type and API version, outputs),
 * checks that the file is well-formed (balanced brackets, terminated strings, every symbol
 * referenced is declared, every param used) and that the resources certloop needs are there with
 * the settings it relies on. It cannot catch a property Azure's schema does not know.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../support/workspace.js';
import { assertCliArgs } from './cli-args.js';

const FILE = path.join(ROOT, 'infra', 'azure', 'main.bicep');
const KEY_VAULT_CERTIFICATES_OFFICER = 'a4417e6f-fecd-4de8-b567-7b0420556985';
const STORAGE_BLOB_DATA_CONTRIBUTOR = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';

interface Resource {
  symbol: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  body: string;
}

/** The text with comments and string contents blanked out (same length), for structure checks. */
function code(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      assert.ok(end >= 0, 'unterminated /* comment');
      out += text.slice(i, end + 2).replace(/[^\n]/g, ' ');
      i = end + 2;
    } else if (text[i] === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== "'") {
        if (text[j] === '\\') j++;
        assert.notEqual(text[j], '\n', `unterminated string at offset ${i}`);
        j++;
      }
      assert.ok(j < text.length, `unterminated string at offset ${i}`);
      out += `'${' '.repeat(j - i - 1)}'`;
      i = j + 1;
    } else out += text[i++];
  }
  return out;
}

function matching(text: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (pairs[ch]) stack.push(pairs[ch]);
    else if (ch === '}' || ch === ']' || ch === ')') {
      assert.equal(ch, stack.pop(), `mismatched ${ch} at offset ${i}`);
      if (stack.length === 0) return i;
    }
  }
  assert.fail(`unclosed ${text[open]} at offset ${open}`);
}

function parse() {
  const text = fs.readFileSync(FILE, 'utf8');
  const blank = code(text);
  const params = [...blank.matchAll(/^param\s+(\w+)\s+(\w+)/gm)].map((m) => ({ name: m[1], type: m[2] }));
  const vars = [...blank.matchAll(/^var\s+(\w+)\s*=/gm)].map((m) => m[1]);
  const outputs = [...blank.matchAll(/^output\s+(\w+)\s+(\w+)\s*=/gm)].map((m) => m[1]);
  const resources: Resource[] = [];
  for (const m of text.matchAll(/^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s+(existing\s+)?=\s*\{/gm)) {
    const open = m.index! + m[0].length - 1;
    const close = matching(blank, open);
    resources.push({ symbol: m[1], type: m[2], apiVersion: m[3], existing: !!m[4], body: text.slice(open, close + 1) });
  }
  return { text, blank, params, vars, outputs, resources };
}

function resource(type: string): Resource {
  const r = parse().resources.filter((x) => x.type === type);
  assert.equal(r.length >= 1, true, `no ${type} resource`);
  return r[0];
}

describe('infra/azure/main.bicep (structural check; no Bicep compiler available offline)', () => {
  it('is well-formed: brackets balance, strings end, API versions are dated', () => {
    const { blank, resources } = parse();
    const stack: string[] = [];
    const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
    for (const ch of blank) {
      if (pairs[ch]) stack.push(pairs[ch]);
      else if (ch === '}' || ch === ']' || ch === ')') assert.equal(ch, stack.pop(), 'mismatched bracket');
    }
    assert.deepEqual(stack, [], 'unclosed bracket');
    assert.ok(resources.length >= 8);
    for (const r of resources) assert.match(r.apiVersion, /^\d{4}-\d{2}-\d{2}(-preview)?$/, `${r.symbol}: API version`);
  });

  it('every symbol used is declared, and every parameter is used', () => {
    const { blank, params, vars, resources } = parse();
    const declared = new Set([...params.map((p) => p.name), ...vars, ...resources.map((r) => r.symbol)]);
    for (const m of blank.matchAll(/\b(parent|scope):\s*(\w+)/g)) assert.ok(declared.has(m[2]), `${m[1]}: ${m[2]} is not declared`);
    for (const m of blank.matchAll(/dependsOn:\s*\[([^\]]*)\]/g)) {
      for (const sym of m[1].split(/\s+/).filter(Boolean)) assert.ok(declared.has(sym), `dependsOn: ${sym} is not declared`);
    }
    for (const m of blank.matchAll(/\b([a-zA-Z]\w*)\.(id|name|properties)\b/g)) {
      assert.ok(declared.has(m[1]), `${m[1]}.${m[2]}: ${m[1]} is not declared`);
    }
    for (const p of params) {
      const uses = blank.match(new RegExp(`\\b${p.name}\\b`, 'g'))?.length ?? 0;
      assert.ok(uses >= 2, `param ${p.name} is never used`);
    }
  });

  it('a user-assigned identity runs a Container Apps Job on a schedule', () => {
    resource('Microsoft.ManagedIdentity/userAssignedIdentities');
    const job = resource('Microsoft.App/jobs');
    assert.match(job.body, /type:\s*'UserAssigned'/);
    assert.match(job.body, /'\$\{identity\.id\}':\s*\{\}/);
    assert.match(job.body, /triggerType:\s*'Schedule'/);
    assert.match(job.body, /cronExpression:\s*cronExpression/);
    const cron = /param cronExpression string = '([^']+)'/.exec(parse().text)?.[1];
    assert.equal(cron?.split(' ').length, 5, 'a five-field cron expression');
    assert.match(job.body, /replicaRetryLimit:\s*\d+/);
    assert.match(job.body, /replicaTimeout:\s*\d+/);
    assert.match(job.body, /environmentId:\s*environment\.id/);
    resource('Microsoft.App/managedEnvironments');
  });

  it('the job runs a certloop command line the CLI accepts, with its config mounted where CERTLOOP_CONFIG points', () => {
    const job = resource('Microsoft.App/jobs');
    const argsBlock = /args:\s*\[([^\]]*)\]/.exec(job.body)![1];
    const args = [...argsBlock.matchAll(/'([^']*)'/g)].map((m) => m[1]);
    assert.equal(assertCliArgs(args, 'main.bicep job args').command, 'run');
    const config = /name:\s*'CERTLOOP_CONFIG'\s*value:\s*'([^']+)'/.exec(job.body)![1];
    const mount = /mountPath:\s*'([^']+)'/.exec(job.body)![1];
    const file = /secretRef:\s*'certloop-yaml'\s*path:\s*'([^']+)'/.exec(job.body)![1];
    assert.equal(config, `${mount}/${file}`);
    assert.match(job.body, /name:\s*'AZURE_CLIENT_ID'\s*value:\s*identity\.properties\.clientId/, 'the managed identity to use is named for DefaultAzureCredential/managed-identity');
    assert.match(parse().text, /@secure\(\)\s*param configYaml string/, 'the config (which may hold secrets) is a secure parameter');
  });

  it('the identity gets "Key Vault Certificates Officer" on the Key Vault', () => {
    const { resources } = parse();
    const kv = resource('Microsoft.KeyVault/vaults');
    assert.ok(kv.existing, 'the vault is an existing one');
    const assignment = resources.find((r) => r.type === 'Microsoft.Authorization/roleAssignments' && /scope:\s*keyVault\b/.test(r.body));
    assert.ok(assignment, 'a role assignment scoped to the vault');
    assert.match(assignment.body, /roleDefinitionId:\s*subscriptionResourceId\('Microsoft.Authorization\/roleDefinitions',\s*keyVaultCertificatesOfficer\)/);
    assert.match(parse().text, new RegExp(`var keyVaultCertificatesOfficer = '${KEY_VAULT_CERTIFICATES_OFFICER}'`));
    assert.match(assignment.body, /principalId:\s*identity\.properties\.principalId/);
    assert.match(assignment.body, /principalType:\s*'ServicePrincipal'/);
    assert.match(assignment.body, /name:\s*guid\(/, 'a deterministic name, so redeploying is idempotent');
  });

  it('shared state lives in a private storage container the identity may write', () => {
    const { resources } = parse();
    const storage = resource('Microsoft.Storage/storageAccounts');
    assert.match(storage.body, /allowBlobPublicAccess:\s*false/);
    assert.match(storage.body, /minimumTlsVersion:\s*'TLS1_2'/);
    assert.match(storage.body, /supportsHttpsTrafficOnly:\s*true/);
    const container = resource('Microsoft.Storage/storageAccounts/blobServices/containers');
    assert.match(container.body, /publicAccess:\s*'None'/);
    assert.match(container.body, /name:\s*'certloop'/, 'the container name certloop.yaml defaults to');
    const assignment = resources.find((r) => r.type === 'Microsoft.Authorization/roleAssignments' && /scope:\s*stateContainer\b/.test(r.body));
    assert.ok(assignment, 'a role assignment on the state container');
    assert.match(parse().text, new RegExp(`var storageBlobDataContributor = '${STORAGE_BLOB_DATA_CONTRIBUTOR}'`));
    const job = resource('Microsoft.App/jobs');
    assert.match(job.body, /name:\s*'CERTLOOP_STATE_URL'\s*value:\s*storage\.properties\.primaryEndpoints\.blob/);
  });
});

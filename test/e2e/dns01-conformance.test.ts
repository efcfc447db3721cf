/**
 * Every dns-01 solver against the conformance suite, with real parts: rfc2136 and exec (a hook
 * calling BIND's nsupdate) against BIND 9, azure-dns through the real Azure SDKs against the
 * local ARM stand-in. Then what is particular to each solver: its failures.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertloopError } from '../../src/errors.js';
import { parseServer } from '../../src/dns/client.js';
import { sendUpdate } from '../../providers/challenges/rfc2136/update.js';
import { challengeRecordName, challengeRecordValue } from '../../src/dns/challenge.js';
import { Dns01Config } from '../../providers/schemas.js';
import { createSolver } from '../../providers/registry.js';
import type { Solver } from '../../src/plugins.js';
import type { Dns01Solver } from '../../src/dns/solver.js';
import { startBind, type Bind } from '../support/bind.js';
import { startFakeAzureDns, type FakeAzureDns } from '../support/azure-dns.js';
import { dns01Conformance, task, txtAt } from '../support/dns01-conformance.js';
import { ROOT, tempDir } from '../support/lab.js';

const ZONE = 'conf.test';
const FIXTURES = path.join(ROOT, 'test', 'fixtures');

let dir: string;
let bind: Bind;
let azure: FakeAzureDns;
const solvers: Record<string, Solver> = {};

before(async () => {
  dir = tempDir('dns01-conformance');
  [bind, azure] = await Promise.all([
    startBind({ dir: path.join(dir, 'bind'), zones: [ZONE] }),
    startFakeAzureDns({ dir: path.join(dir, 'azure'), zones: [ZONE] }),
  ]);
  solvers.rfc2136 = await solverFrom(rfc2136Config());
  solvers.exec = await solverFrom({
    provider: 'exec',
    command: ['sh', path.join(FIXTURES, 'nsupdate-hook.sh'), '127.0.0.1', String(bind.port), bind.keyFile],
    nameservers: [bind.server],
  });
  solvers.azure = await solverFrom(azureConfig());
});

after(async () => {
  await Promise.all([bind?.stop(), azure?.stop()]);
});

/** A solver made the way a run makes it: config through the schema, then the registry. */
function solverFrom(config: Record<string, unknown>): Promise<Solver> {
  return createSolver(Dns01Config.parse({ type: 'dns-01', propagationTimeout: '5s', ...config }), 'conformance');
}

function rfc2136Config(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { provider: 'rfc2136', server: bind.server, zone: ZONE, tsig: { ...bind.tsig }, nameservers: [bind.server], ...overrides };
}

function azureConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'azure-dns',
    subscriptionId: azure.subscriptionId,
    resourceGroup: azure.resourceGroup,
    zone: ZONE,
    credential: { type: 'client-secret', tenantId: azure.tenantId, clientId: azure.clientId, clientSecret: azure.clientSecret, authorityHost: azure.url },
    endpoint: azure.url,
    caBundle: azure.caFile,
    nameservers: [azure.dnsServer],
    ...overrides,
  };
}

async function seedInBind(name: string, value: string): Promise<void> {
  const key = { name: bind.tsig.name, algorithm: bind.tsig.algorithm, secret: Buffer.from(bind.tsig.secret, 'base64') };
  await sendUpdate({ server: parseServer(bind.server), zone: ZONE, key, timeoutMs: 5000, changes: [{ op: 'add', name, value, ttl: 300 }] });
}


dns01Conformance('rfc2136 against BIND', () => ({
  solver: solvers.rfc2136,
  authoritative: parseServer(bind.server),
  domain: `rfc.${ZONE}`,
  seed: seedInBind,
}));

dns01Conformance('exec (an nsupdate hook) against BIND', () => ({
  solver: solvers.exec,
  authoritative: parseServer(bind.server),
  domain: `exec.${ZONE}`,
  seed: seedInBind,
}));

dns01Conformance('azure-dns against the ARM stand-in', () => ({
  solver: solvers.azure,
  authoritative: parseServer(azure.dnsServer),
  domain: `az.${ZONE}`,
  seed: async (name, value) => azure.setTxt(ZONE, name.slice(0, -(ZONE.length + 1)), [value]),
}));

async function failure(p: Promise<unknown>): Promise<CertloopError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CertloopError, `expected a CertloopError, got ${err}`);
    return err;
  }
  assert.fail('expected a failure');
}

describe('rfc2136 failures', () => {
  it('a wrong TSIG secret names the solver, the server and its answer, and never shows the secret', async () => {
    const wrong = Buffer.alloc(32, 7).toString('base64');
    const s = await solverFrom(rfc2136Config({ tsig: { ...bind.tsig, secret: wrong } }));
    const err = await failure(s.present(task(`bad.${ZONE}`)));
    assert.equal(err.code, 'CHALLENGE_FAILED');
    assert.equal(err.retryable, false);
    assert.match(err.message, /^dns-01 rfc2136: /);
    assert.match(err.message, new RegExp(`${bind.server.replace(/\./g, '\\.')} answered NOTAUTH \\(TSIG BADSIG`));
    assert.ok(!err.message.includes(wrong) && !err.message.includes(bind.tsig.secret), 'no secret in the message');
  });

  it('a key name the server does not know is BADKEY', async () => {
    const s = await solverFrom(rfc2136Config({ tsig: { ...bind.tsig, name: 'nobody' } }));
    const err = await failure(s.present(task(`bad.${ZONE}`)));
    assert.match(err.message, /NOTAUTH \(TSIG BADKEY/);
  });

  it('an unsigned update is REFUSED by a server that requires the key', async () => {
    const s = await solverFrom(rfc2136Config({ tsig: undefined }));
    const err = await failure(s.present(task(`bad.${ZONE}`)));
    assert.match(err.message, /unsigned: .* answered REFUSED/);
  });

  it('finds the zone from the server when none is configured', async () => {
    const s = await solverFrom(rfc2136Config({ zone: undefined }));
    const t = task(`deep.below.rfc.${ZONE}`);
    await s.present(t);
    assert.deepEqual(await txtAt(parseServer(bind.server), challengeRecordName(t.identifier)), [challengeRecordValue(t.keyAuthorization)]);
    await s.cleanup(t);
  });

  it('a record not visible at every authoritative server within the timeout fails present, saying where and what was seen', async () => {
    // The second "authoritative server" (the Azure stand-in's DNS) does not serve this zone's data.
    const s = await solverFrom(rfc2136Config({ nameservers: [bind.server, azure.dnsServer], propagationTimeout: '1s' }));
    const t = task(`lag.rfc.${ZONE}`);
    const err = await failure(s.present(t));
    assert.match(err.message, /did not propagate: TXT _acme-challenge\.lag\.rfc\.conf\.test is not visible at 1 of 2 authoritative server\(s\) after 1s/);
    assert.ok(err.message.includes(`${azure.dnsServer}: NXDOMAIN`), err.message);
    await s.cleanup(t);
  });
});

describe('finding the authoritative servers to check', () => {
  it("without nameservers, the zone's NS records (found through the resolvers) give the servers, on port 53", async () => {
    const s = (await solverFrom(rfc2136Config({ nameservers: undefined, resolvers: [bind.server] }))) as Dns01Solver;
    assert.deepEqual(await s.authoritativeServersFor(`_acme-challenge.x.${ZONE}`), [{ host: '127.0.0.1', port: 53 }]);
  });

  it('a provider that does not know the zone (exec) finds it from the SOA the resolvers return', async () => {
    const s = (await solverFrom({ provider: 'exec', command: ['true'], resolvers: [bind.server] })) as Dns01Solver;
    assert.deepEqual(await s.authoritativeServersFor(`_acme-challenge.deep.below.${ZONE}`), [{ host: '127.0.0.1', port: 53 }]);
  });

  it('a name in no zone the resolvers know is a clear error', async () => {
    const s = (await solverFrom({ provider: 'exec', command: ['true'], resolvers: [bind.server] })) as Dns01Solver;
    await assert.rejects(s.authoritativeServersFor('_acme-challenge.elsewhere.example'), /no SOA record for _acme-challenge\.elsewhere\.example from 127\.0\.0\.1:\d+ \(answer REFUSED\); set zone in the config/);
  });
});

describe('exec failures and contract', () => {
  it('calls the program with argv (no shell), the action, name and value, and the same in its environment', async () => {
    const log = path.join(dir, 'hook.jsonl');
    process.env.HOOK_LOG = log;
    try {
      const s = await solverFrom({ provider: 'exec', command: [process.execPath, path.join(FIXTURES, 'recording-hook.mjs'), '$(touch pwned)'], cwd: dir, nameservers: [bind.server], propagationTimeout: '1s' });
      const t = task(`x.exec.${ZONE}`, true);
      // The hook records but does not publish, so present fails on propagation; cleanup still runs.
      const err = await failure(s.present(t));
      assert.match(err.message, /^dns-01 exec: the record did not propagate/);
      await s.cleanup(t);
      const calls = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const value = challengeRecordValue(t.keyAuthorization);
      assert.deepEqual(calls.map((c) => c.argv), [
        ['$(touch pwned)', 'present', `_acme-challenge.x.exec.${ZONE}`, value],
        ['$(touch pwned)', 'cleanup', `_acme-challenge.x.exec.${ZONE}`, value],
      ]);
      assert.deepEqual(calls[0].env, {
        CERTLOOP_DNS_ACTION: 'present',
        CERTLOOP_DNS_NAME: `_acme-challenge.x.exec.${ZONE}`,
        CERTLOOP_DNS_VALUE: value,
        CERTLOOP_DNS_IDENTIFIER: `x.exec.${ZONE}`,
        CERTLOOP_CERTIFICATE: 'conformance',
      });
      assert.equal(calls[0].cwd, dir);
      assert.equal(fs.existsSync(path.join(dir, 'pwned')), false, 'nothing was interpreted by a shell');
    } finally {
      delete process.env.HOOK_LOG;
    }
  });

  it('a non-zero exit is a solver failure carrying the program’s stderr', async () => {
    process.env.HOOK_LOG = path.join(dir, 'hook-fail.jsonl');
    process.env.HOOK_FAIL = 'present';
    try {
      const s = await solverFrom({ provider: 'exec', command: [process.execPath, path.join(FIXTURES, 'recording-hook.mjs')], nameservers: [bind.server] });
      const err = await failure(s.present(task(`y.exec.${ZONE}`)));
      assert.equal(err.code, 'CHALLENGE_FAILED');
      assert.match(err.message, /^dns-01 exec: cannot add TXT _acme-challenge\.y\.exec\.conf\.test: `.*recording-hook\.mjs present .*` exited with 3: zone example\.test: API said 403 Forbidden$/);
    } finally {
      delete process.env.HOOK_LOG;
      delete process.env.HOOK_FAIL;
    }
  });

  it('a program that does not exist is named, and not retried', async () => {
    const s = await solverFrom({ provider: 'exec', command: ['./no-such-hook'], cwd: dir, nameservers: [bind.server] });
    const err = await failure(s.present(task(`z.exec.${ZONE}`)));
    assert.match(err.message, /cannot run `\.\/no-such-hook`: not found/);
    assert.equal(err.retryable, false);
  });
});

describe('azure-dns against the ARM stand-in', () => {
  it('writes with the record set etag, and redoes the change when another writer got in between', async () => {
    const s = await solverFrom(azureConfig());
    const t = task(`race.az.${ZONE}`);
    const rel = `_acme-challenge.race.az`;
    azure.setTxt(ZONE, rel, ['first-writer']);
    // Between certloop's GET and its PUT, someone else adds a value (and the etag changes).
    azure.beforeNextWrite(() => azure.setTxt(ZONE, rel, ['first-writer', 'second-writer']));
    const from = azure.requests.length;
    await s.present(t);
    assert.deepEqual(azure.txt(ZONE, rel)!.sort(), ['first-writer', 'second-writer', challengeRecordValue(t.keyAuthorization)].sort());
    const calls = azure.requests.slice(from).map((r) => `${r.method} ${r.status}${r.ifMatch ? ' if-match' : ''}`);
    assert.deepEqual(calls, ['GET 200', 'PUT 412 if-match', 'GET 200', 'PUT 200 if-match']);

    await s.cleanup(t);
    assert.deepEqual(azure.txt(ZONE, rel)!.sort(), ['first-writer', 'second-writer']);
  });

  it('creates a missing record set only if it is still missing (If-None-Match), and deletes it with If-Match when emptied', async () => {
    const s = await solverFrom(azureConfig());
    const t = task(`fresh.az.${ZONE}`);
    const from = azure.requests.length;
    await s.present(t);
    await s.cleanup(t);
    const calls = azure.requests.slice(from).map((r) => `${r.method} ${r.status}${r.ifMatch ? ' if-match' : ''}${r.ifNoneMatch ? ` if-none-match ${r.ifNoneMatch}` : ''}`);
    assert.deepEqual(calls, ['GET 404', 'PUT 201 if-none-match *', 'GET 200', 'DELETE 200 if-match']);
    assert.equal(azure.txt(ZONE, '_acme-challenge.fresh.az'), undefined);
  });

  it('a wrong client secret is a sign-in error that names the credential type and never shows the secret', async () => {
    const wrong = 'wrong-client-secret-value-123';
    const s = await solverFrom(azureConfig({ credential: { type: 'client-secret', tenantId: azure.tenantId, clientId: azure.clientId, clientSecret: wrong, authorityHost: azure.url } }));
    const err = await failure(s.present(task(`denied.az.${ZONE}`)));
    assert.match(err.message, /^dns-01 azure-dns: cannot add TXT .*: cannot sign in to Azure with the client-secret credential: AADSTS7000215: Invalid client secret provided\.$/);
    assert.equal(err.retryable, false);
    assert.ok(!err.message.includes(wrong) && !err.message.includes(azure.clientSecret));
  });

  it('a zone that is not in the resource group is reported as such', async () => {
    const s = await solverFrom(azureConfig({ zone: 'other.test' }));
    const err = await failure(s.present(task(`x.other.test`)));
    assert.match(err.message, /zone other\.test was not found in resource group dns-rg of subscription .* \(HTTP 404 ParentResourceNotFound\)/);
  });
});

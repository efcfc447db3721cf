/**
 * The StateStore contract (src/state/store.ts), written once and run against every store
 * (cf. cert-manager's test/acme/suite.go for solvers). A store passes when two handles on the same
 * state, as two processes would hold them, can never lose each other's writes or hold one lock
 * together.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyRecord, type CertificateRecord } from '../../../src/state/record.js';
import { StateConflictError, type Lease, type StateStore } from '../../../src/state/store.js';
import { waitFor } from '../../support/net.js';

/**
 * Makes a new, empty state and returns an opener: every call of the opener is a new handle on that
 * same state (another process). The suite closes the handles it opens.
 */
export type FreshState = () => Promise<() => Promise<StateStore>>;

const NOW = new Date('2030-01-02T03:04:05.000Z');

function sampleRecord(name: string): CertificateRecord {
  const r = emptyRecord(name, NOW);
  r.issued = {
    serial: '0a1b2c',
    domains: [`${name}.example.com`, `www.${name}.example.com`],
    notBefore: NOW.toISOString(),
    notAfter: new Date(NOW.getTime() + 90 * 86400_000).toISOString(),
    fullchainPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    keyPem: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
    issuedAt: NOW.toISOString(),
    directory: 'https://acme.example/dir',
  };
  r.conditions.Issued = { status: 'True', reason: 'Issued', message: 'ok', since: NOW.toISOString() };
  r.targets = { 'file:/etc/ssl/x.pem': { serial: '0a1b2c', at: NOW.toISOString() } };
  return r;
}

export function stateStoreContract(label: string, fresh: FreshState): void {
  describe(`StateStore contract: ${label}`, () => {
    async function withStores(n: number, fn: (...stores: StateStore[]) => Promise<void>): Promise<void> {
      const open = await fresh();
      const stores: StateStore[] = [];
      try {
        for (let i = 0; i < n; i++) stores.push(await open());
        await fn(...stores);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    }

    it('an unknown certificate reads as undefined and an empty state lists nothing', () =>
      withStores(1, async (s) => {
        assert.equal(await s.get('nope'), undefined);
        assert.deepEqual(await s.list(), []);
        assert.deepEqual(await s.events(undefined, 10), []);
        assert.equal(await s.getAccount('https://acme.example/dir'), undefined);
      }));

    it('a new record is stored as version 1 and reads back exactly, private key included', () =>
      withStores(2, async (a, b) => {
        const rec = sampleRecord('web');
        assert.equal(await a.put(rec), 1);
        assert.equal(rec.version, 1, 'put updates the caller’s record to the stored version');
        assert.deepEqual(await b.get('web'), rec);
      }));

    it('every write bumps the version and the last write is what is read', () =>
      withStores(2, async (a, b) => {
        const rec = sampleRecord('web');
        await a.put(rec);
        rec.deployedSerial = '0a1b2c';
        assert.equal(await a.put(rec), 2);
        rec.lastFailure = undefined;
        rec.deployedAt = NOW.toISOString();
        assert.equal(await a.put(rec), 3);
        const read = await b.get('web');
        assert.equal(read?.version, 3);
        assert.equal(read?.deployedAt, NOW.toISOString());
      }));

    it('a write from a stale version is a StateConflictError and the stored record is unchanged', () =>
      withStores(2, async (a, b) => {
        const rec = sampleRecord('web');
        await a.put(rec);
        const theirs = (await b.get('web'))!;
        theirs.deployedSerial = 'theirs';
        await b.put(theirs);
        rec.deployedSerial = 'mine';
        await assert.rejects(a.put(rec), (e: unknown) => e instanceof StateConflictError && e.certificate === 'web' && e.expected === 1);
        const stored = (await a.get('web'))!;
        assert.equal(stored.deployedSerial, 'theirs');
        assert.equal(stored.version, 2);
        // Having re-read, the loser can write on top of the winner.
        stored.deployedSerial = 'mine, after re-reading';
        assert.equal(await a.put(stored), 3);
      }));

    it('two handles updating from the same version at once: exactly one wins, nothing is lost silently', () =>
      withStores(2, async (a, b) => {
        await a.put(sampleRecord('web'));
        const ra = (await a.get('web'))!;
        const rb = (await b.get('web'))!;
        ra.deployedSerial = 'from-a';
        rb.deployedSerial = 'from-b';
        const results = await Promise.allSettled([a.put(ra), b.put(rb)]);
        const ok = results.filter((r) => r.status === 'fulfilled');
        const conflicts = results.filter((r) => r.status === 'rejected' && r.reason instanceof StateConflictError);
        assert.equal(ok.length, 1, 'one write wins');
        assert.equal(conflicts.length, 1, 'the other is told it lost');
        const winner = results[0].status === 'fulfilled' ? 'from-a' : 'from-b';
        assert.equal((await a.get('web'))!.deployedSerial, winner);
      }));

    it('two handles creating the same certificate at once: one creates it, the other conflicts', () =>
      withStores(2, async (a, b) => {
        const results = await Promise.allSettled([a.put(sampleRecord('web')), b.put(sampleRecord('web'))]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        assert.equal(results.filter((r) => r.status === 'rejected' && r.reason instanceof StateConflictError).length, 1);
        assert.equal((await a.get('web'))!.version, 1);
      }));

    it('creating a record that already exists (version 0 again) is a conflict, not an overwrite', () =>
      withStores(1, async (s) => {
        await s.put(sampleRecord('web'));
        const again = sampleRecord('web');
        again.deployedSerial = 'overwrite?';
        await assert.rejects(s.put(again), StateConflictError);
        assert.equal((await s.get('web'))!.deployedSerial, undefined);
      }));

    it('a record read through list() can be updated, and list() is sorted by name', () =>
      withStores(2, async (a, b) => {
        for (const n of ['zeta', 'alpha', 'mid']) await a.put(sampleRecord(n));
        const listed = await b.list();
        assert.deepEqual(listed.map((r) => r.name), ['alpha', 'mid', 'zeta']);
        const mid = listed[1];
        mid.deployedSerial = 'x';
        assert.equal(await b.put(mid), 2);
        assert.equal((await a.get('mid'))!.deployedSerial, 'x');
      }));

    it('events read newest first, per certificate or across all, limited, with their data', () =>
      withStores(2, async (a, b) => {
        await a.addEvent({ certificate: 'web', at: NOW.toISOString(), type: 'renewed', message: 'issued 01', data: { serial: '01' } });
        await a.addEvent({ certificate: 'api', at: NOW.toISOString(), type: 'renewed', message: 'issued 02' });
        await a.addEvent({ certificate: 'web', at: NOW.toISOString(), type: 'deployed', message: 'deployed 01', data: { serial: '01', n: 2 } });
        await a.addEvent({ certificate: 'web', at: NOW.toISOString(), type: 'verified', message: 'served 01' });
        const web = await b.events('web', 10);
        assert.deepEqual(web.map((e) => e.type), ['verified', 'deployed', 'renewed']);
        assert.deepEqual(web[1].data, { serial: '01', n: 2 });
        assert.equal(web[1].certificate, 'web');
        assert.deepEqual((await b.events('web', 2)).map((e) => e.type), ['verified', 'deployed']);
        const all = await b.events(undefined, 3);
        assert.deepEqual(all.map((e) => `${e.certificate}:${e.type}`), ['web:verified', 'web:deployed', 'api:renewed']);
        assert.deepEqual(await b.events('nobody', 5), []);
      }));

    it('accounts are kept per ACME directory and can be replaced', () =>
      withStores(2, async (a, b) => {
        const dir = 'https://acme.example/dir';
        await a.putAccount({ directory: dir, keyPem: 'KEY-1', createdAt: NOW.toISOString() });
        await a.putAccount({ directory: 'https://other.example/dir', keyPem: 'KEY-X', createdAt: NOW.toISOString() });
        assert.equal((await b.getAccount(dir))!.keyPem, 'KEY-1');
        await b.putAccount({ directory: dir, keyPem: 'KEY-1', url: 'https://acme.example/acct/1', createdAt: NOW.toISOString() });
        assert.equal((await a.getAccount(dir))!.url, 'https://acme.example/acct/1');
        assert.equal((await a.getAccount('https://other.example/dir'))!.keyPem, 'KEY-X');
      }));

    it('a lock has one owner at a time; its owner may take it again; release frees it', () =>
      withStores(2, async (a, b) => {
        const la = await a.acquireLock('web', 'owner-a', 60_000);
        assert.ok(la, 'a free lock is granted');
        assert.equal(la.owner, 'owner-a');
        assert.ok(la.expiresAt > Date.now());
        assert.equal(await b.acquireLock('web', 'owner-b', 60_000), undefined, 'a held lock is refused to another owner');
        assert.ok(await b.acquireLock('api', 'owner-b', 60_000), 'locks are per certificate');
        const again = await a.acquireLock('web', 'owner-a', 60_000);
        assert.ok(again, 'the owner may take its own lock again');
        assert.equal(await la.renew(60_000), true, 'the owner can renew');
        await la.release();
        const lb = await b.acquireLock('web', 'owner-b', 60_000);
        assert.ok(lb, 'a released lock is free');
        await lb.release();
      }));

    it('lockHolder names the holder; breakLock removes a lock only for the owner named', () =>
      withStores(2, async (a, b) => {
        assert.equal(await a.lockHolder('web'), undefined, 'nobody holds a lock never taken');
        const la = (await a.acquireLock('web', 'host:1:aa', 60_000))!;
        assert.equal((await b.lockHolder('web'))?.owner, 'host:1:aa');
        assert.equal(await b.breakLock('web', 'host:2:bb'), false, 'not broken for someone who does not hold it');
        assert.equal(await b.acquireLock('web', 'host:2:bb', 60_000), undefined);
        assert.equal(await b.breakLock('web', 'host:1:aa'), true, 'broken for the owner named (a process found dead)');
        const lb = await b.acquireLock('web', 'host:2:bb', 60_000);
        assert.ok(lb, 'a broken lock is free');
        assert.equal(await la.renew(60_000), false, 'the old holder learns it lost the lock');
        await lb.release();
        assert.equal(await a.lockHolder('web'), undefined, 'a released lock has no holder');
      }));

    it('named values: set, read from another handle, replace, delete', () =>
      withStores(2, async (a, b) => {
        assert.equal(await a.getValue('problems/web'), undefined);
        await a.setValue('problems/web', '{"failed":"2030-01-02T03:04:05.000Z"}');
        assert.equal(await b.getValue('problems/web'), '{"failed":"2030-01-02T03:04:05.000Z"}');
        await b.setValue('problems/web', '{}');
        assert.equal(await a.getValue('problems/web'), '{}', 'last write wins');
        await a.setValue('notified/slack-0/web/failed', 'x');
        await a.setValue('problems/web', undefined);
        assert.equal(await b.getValue('problems/web'), undefined, 'undefined deletes');
        assert.equal(await b.getValue('notified/slack-0/web/failed'), 'x', 'keys with slashes are independent');
        await a.setValue('problems/never-set', undefined); // deleting what is not there is harmless
      }));

    it('an expired lock is taken over, and the old owner learns it lost it', async () => {
      await withStores(2, async (a, b) => {
        const la = (await a.acquireLock('web', 'owner-a', 1000))!;
        assert.ok(la);
        assert.equal(await b.acquireLock('web', 'owner-b', 1000), undefined);
        // The lease says when it really expires (a store may round the TTL up to its minimum):
        // try until the other owner gets it, which must not be before then. Azure's clock started
        // the lease a request's latency before we noted expiresAt, hence the allowance.
        let lb: Lease | undefined;
        await waitFor(async () => (lb = await b.acquireLock('web', 'owner-b', 60_000)) !== undefined, Math.max(0, la.expiresAt - Date.now()) + 10_000, 'the expired lock to be free');
        assert.ok(Date.now() >= la.expiresAt - 1000, `taken over ${la.expiresAt - Date.now()} ms before the lease said it ends`);
        assert.equal(await la.renew(60_000), false, 'renewing a lost lease reports false');
        await la.release(); // releasing a lost lease is harmless...
        assert.equal(await a.acquireLock('web', 'owner-a', 60_000), undefined, '...and does not free the new owner’s lock');
        await lb!.release();
      });
    });
  });
}

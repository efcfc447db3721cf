/**
 * The loop for one certificate (src/controller/certificate.ts), step by step: observe → decide →
 * issue → check → deploy → verify → ready, and the ways back (retry, resume after a crash, pending
 * until the deadline). reconcileCertificate runs as `certloop run` calls it, with the memory store,
 * the doubles of loop-doubles.ts at the context's seams (CA, solver, targets), a real TLS endpoint
 * on 127.0.0.1 (port 0), and a clock the test moves instead of waiting. The same loop against
 * Pebble and nginx is test/e2e/closed-loop.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { reconcileCertificate } from '../../../src/controller/certificate.js';
import { certificateContext } from '../../../src/controller/run.js';
import { createLogger } from '../../../src/observability/logger.js';
import { MemoryStore } from '../../../src/state/memory.js';
import type { CertificateRecord } from '../../../src/state/record.js';
import type { StateStore } from '../../../src/state/store.js';
import { makeCertificate } from '../../support/certs.js';
import { tempDir } from '../../support/workspace.js';
import { CaDouble, Clock, CrashingStore, EndpointDouble, SolverDouble, TargetDouble, testCa } from './loop-doubles.js';

type Outcome = Awaited<ReturnType<typeof reconcileCertificate>>;

const MINUTE = 60_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');
const DOMAINS = ['a.test', 'www.a.test'];

// One CA for the file (an RSA key costs ~100 ms), and what the endpoint served before certloop
// came: a valid certificate for the same names from the same CA, another serial.
const ca = testCa(new Date(T0));
const before = makeCertificate({ cn: DOMAINS[0], names: DOMAINS, issuer: ca.intermediate, notBefore: new Date(T0 - 30 * 86_400_000), notAfter: new Date(T0 + 60 * 86_400_000) });
const dir = tempDir('loop');
const rootFile = path.join(dir, 'root.pem');
fs.writeFileSync(rootFile, ca.root.certPem);
const endpoints: EndpointDouble[] = [];
after(async () => {
  await Promise.all(endpoints.map((e) => e.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * One certificate and everything around it. The config goes through the real loader (defaults,
 * policy), with rsa-2048 keys because the CA double signs with node-forge, ARI off (it is
 * test/e2e/ari-retries.test.ts's), one probe per run after a deploy (pollFor: 0s) of one connection
 * (samples: 1) and a 10-minute verify deadline. Its solver and target entries are replaced by the doubles.
 */
async function world(o: { targets?: number } = {}) {
  const clock = new Clock(T0);
  const store = new MemoryStore();
  const solver = new SolverDouble();
  const caDouble = new CaDouble(ca, clock, solver.lookup);
  const endpoint = await EndpointDouble.start({ certPem: before.certPem + ca.intermediate.certPem, keyPem: before.keyPem });
  endpoints.push(endpoint);
  // The first target feeds the endpoint, as a file target feeds the server that reloads.
  const targets = Array.from({ length: o.targets ?? 1 }, (_, i) => new TargetDouble(`test:${i + 1}`, i === 0 ? endpoint : undefined));
  const file = path.join(dir, 'certloop.yaml');
  const config = parseConfigText(
    `acme:
  directory: https://ca.test/directory
certificates:
  - name: web
    domains: [${DOMAINS.join(', ')}]
    key: { type: rsa-2048 }
    challenge: { type: http-01, listen: 127.0.0.1:80 }
    targets:
      - { type: file, cert: ./live/fullchain.pem, key: ./live/privkey.pem }
    verify:
      endpoints:
        - { host: 127.0.0.1, port: ${endpoint.port}, sni: a.test }
      trust: ${rootFile}
      pollFor: 0s
      samples: 1
      deadline: 10m
    policy: { name: default, ari: false }
`,
    file,
  );
  const cert = config.certificates[0];
  const log = createLogger({ level: 'silent' });
  const w = {
    clock,
    store,
    solver,
    ca: caDouble,
    endpoint,
    targets,
    /** One reconciliation, as a run does it (against another store: a crashing one). */
    run(over: StateStore = store): Promise<Outcome> {
      return reconcileCertificate({
        ...certificateContext(config, cert, over, log, clock.now),
        acmeClient: async () => caDouble.client(),
        solver: async () => solver,
        targets: async () => targets,
      });
    },
    async record(): Promise<CertificateRecord> {
      return (await store.get('web'))!;
    },
    /** History, oldest first. */
    async events(): Promise<string[]> {
      return (await store.events('web', 100)).map((e) => e.type).reverse();
    },
    orders: () => caDouble.calls.filter((c) => c === 'createOrder').length,
  };
  return w;
}

function conditions(r: CertificateRecord): Record<string, string> {
  return Object.fromEntries(Object.entries(r.conditions).map(([k, c]) => [k, `${c!.status} ${c!.reason}`]));
}

/** The serial each probe saw (one per connection). */
function served(o: Outcome): string[] {
  return [...new Set(o.verification!.results.map((r) => r.served ?? 'nothing'))];
}

function assertReady(o: Outcome): void {
  assert.equal(o.verdict, 'ready', JSON.stringify(o.error ?? o.verification?.summary));
  assert.equal(o.deployedSerial, o.issuedSerial);
  assert.deepEqual(served(o), [o.deployedSerial]);
}

describe('the loop for one certificate', () => {
  it('a first run observes no record, orders, checks, deploys and sees the new serial served: Ready', async () => {
    const w = await world();
    const o = await w.run();
    assert.deepEqual([o.decision.action, o.decision.reason], ['issue', 'NoCertificate']);
    assertReady(o);
    assert.equal(o.renewed, true);
    assert.equal(o.deployed, true);
    assert.deepEqual(w.ca.calls, ['createOrder', 'getAuthorizations', 'completeChallenge', 'completeChallenge', 'waitForValidStatus', 'waitForValidStatus', 'finalizeOrder', 'getCertificate']);
    assert.deepEqual([w.solver.presented, w.solver.cleanedUp, w.solver.published.size], [2, 2, 0], 'both names presented, then cleaned up');
    assert.deepEqual(w.targets[0].deployedSerials, [o.issuedSerial]);
    const r = await w.record();
    assert.deepEqual(conditions(r), { Issued: 'True Issued', Deployed: 'True Deployed', Verified: 'True Served', Ready: 'True Ready' });
    assert.equal(r.pendingOrder, undefined, 'the finished order is no longer pending');
    assert.deepEqual(r.issued!.domains, DOMAINS);
    assert.equal(r.deployedAt, new Date(T0).toISOString(), 'the fixed clock is the one the loop used');
    assert.deepEqual(await w.events(), ['renewed', 'deployed', 'verified']);
  });

  it('a run with nothing due orders and deploys nothing, and verifies again (drift would show)', async () => {
    const w = await world();
    const first = await w.run();
    w.clock.advance(60 * MINUTE);
    const o = await w.run();
    assert.deepEqual([o.decision.action, o.decision.reason], ['none', 'UpToDate']);
    assertReady(o);
    assert.deepEqual([o.renewed, o.deployed, o.issuedSerial], [false, false, first.issuedSerial]);
    assert.equal(w.orders(), 1);
    assert.deepEqual(w.targets[0].deployedSerials, [first.issuedSerial]);
    assert.equal((await w.record()).lastVerification!.at, w.clock.now().toISOString());
  });

  it('once the renewal time passes, the next run orders a new certificate, deploys it and keeps the one it replaces', async () => {
    const w = await world();
    const first = await w.run();
    w.clock.advance(59 * 86_400_000);
    const quiet = await w.run();
    assert.equal(quiet.decision.action, 'none', 'not due a day before two thirds of the lifetime');
    assert.equal(quiet.decision.renewAt!.getTime(), T0 - 60 * MINUTE + 60 * 86_400_000, 'due with a third of the 90 days left (the CA backdates an hour)');
    w.clock.passTo(quiet.decision.renewAt!);
    const o = await w.run();
    assert.deepEqual([o.decision.action, o.decision.reason], ['issue', 'RenewalDue']);
    assertReady(o);
    assert.notEqual(o.issuedSerial, first.issuedSerial);
    assert.equal(w.orders(), 2);
    assert.deepEqual(w.targets[0].deployedSerials, [first.issuedSerial, o.issuedSerial]);
    assert.equal((await w.record()).previous?.serial, first.issuedSerial, 'kept for a rollback');
  });

  it('a challenge the CA cannot validate fails the run, waits for its retry time, then orders again with the same key', async () => {
    const w = await world();
    w.solver.mute = true;
    const failed = await w.run();
    assert.equal(failed.verdict, 'failed');
    assert.deepEqual([failed.error?.step, failed.error?.code], ['issue', 'CHALLENGE_FAILED']);
    let r = await w.record();
    const key = r.pendingOrder!.keyPem;
    assert.equal(r.lastFailure!.nextAttemptAt, new Date(T0 + MINUTE).toISOString(), 'the first retry of an order is a minute later (policies/default.yaml)');
    assert.deepEqual(conditions(r), { Issued: 'False IssueFailed', Ready: 'False IssueFailed' });
    assert.equal(w.solver.published.size, 0, 'cleaned up after the failure too');

    w.solver.mute = false;
    const calls = w.ca.calls.length;
    const waiting = await w.run();
    assert.deepEqual([waiting.decision.action, waiting.decision.reason, waiting.verdict], ['wait', 'RetryScheduled', 'waiting']);
    assert.equal(w.ca.calls.length, calls, 'the CA is not asked before the retry time');

    w.clock.passTo(r.lastFailure!.nextAttemptAt!);
    const o = await w.run();
    assert.deepEqual([o.decision.action, o.decision.reason], ['issue', 'OrderInProgress']);
    assertReady(o);
    assert.equal(w.orders(), 2, 'the invalid order is not resumed: a new one is placed');
    r = await w.record();
    assert.equal(r.issued!.keyPem, key, 'with the key generated for the first attempt');
    assert.equal(r.lastFailure, undefined);
    assert.deepEqual(await w.events(), ['failed', 'renewed', 'deployed', 'verified', 'recovered']);
  });

  it('a certificate that fails the pre-deploy check is never deployed; a replacement is ordered at the retry time', async () => {
    const w = await world();
    w.ca.dropName = 'www.a.test';
    const failed = await w.run();
    assert.equal(failed.verdict, 'failed');
    assert.deepEqual([failed.error?.step, failed.error?.code], ['check', 'CERT_CHECK_FAILED']);
    assert.match(failed.error!.message, /does not cover www\.a\.test/);
    assert.deepEqual(w.targets[0].deployedSerials, [], 'no target saw it');
    assert.equal(failed.verification, undefined, 'nothing deployed, nothing to verify');
    const r = await w.record();
    assert.equal(r.rejectedSerial, failed.issuedSerial);
    assert.equal(r.deployedSerial, undefined);

    w.ca.dropName = undefined;
    w.clock.passTo(r.lastFailure!.nextAttemptAt!);
    const o = await w.run();
    assert.deepEqual([o.decision.action, o.decision.reason], ['issue', 'CertificateRejected']);
    assertReady(o);
    assert.deepEqual(w.targets[0].deployedSerials, [o.issuedSerial]);
  });

  it('a deploy that fails is retried on the next run with the same certificate, without a new order', async () => {
    const w = await world();
    w.targets[0].failures = 1;
    const failed = await w.run();
    assert.equal(failed.verdict, 'failed');
    assert.deepEqual([failed.error?.step, failed.error?.code], ['reload', 'RELOAD_FAILED']);
    let r = await w.record();
    assert.ok(r.issued && r.deployedSerial === undefined);
    assert.equal(r.lastFailure!.step, 'deploy');
    assert.deepEqual(conditions(r), { Issued: 'True Issued', Deployed: 'False DeployFailed', Ready: 'False DeployFailed' });

    // A failed deploy costs the CA nothing: it is retried on the very next run (policies/default.yaml).
    const o = await w.run();
    assert.deepEqual([o.decision.action, o.decision.reason], ['deploy', 'NotDeployed']);
    assertReady(o);
    assert.equal(o.issuedSerial, failed.issuedSerial, 'the same certificate');
    assert.equal(o.renewed, false);
    assert.equal(w.orders(), 1, 'no second order');
    r = await w.record();
    assert.equal(r.lastFailure, undefined);
    assert.deepEqual(await w.events(), ['renewed', 'failed', 'deployed', 'verified', 'recovered']);
  });

  it('a deploy not yet served is pending, overdue once the clock passes the deadline (announced once), and Ready when served', async () => {
    const w = await world();
    w.endpoint.stale = true;
    const pending = await w.run();
    assert.equal(pending.verdict, 'pending');
    assert.deepEqual(pending.alerts, []);
    assert.deepEqual(served(pending), [before.serial], 'the endpoint still serves what it had');
    assert.deepEqual(conditions(await w.record()), { Issued: 'True Issued', Deployed: 'True Deployed', Verified: 'False NotServed', Ready: 'False Pending' });

    w.clock.advance(9 * MINUTE);
    const still = await w.run();
    assert.deepEqual([still.decision.action, still.verdict, still.alerts], ['verify', 'pending', []], 'within the 10-minute deadline');

    w.clock.advance(2 * MINUTE);
    const overdue = await w.run();
    assert.equal(overdue.verdict, 'pending');
    assert.deepEqual(overdue.alerts!.map((a) => a.reason), ['Overdue']);
    assert.equal(conditions(await w.record()).Ready, 'False Overdue');
    w.clock.advance(MINUTE);
    await w.run();
    assert.deepEqual((await w.events()).filter((e) => e === 'verify_overdue'), ['verify_overdue'], 'announced once');

    w.endpoint.pickUp();
    const o = await w.run();
    assertReady(o);
    assert.equal(w.orders(), 1);
    assert.deepEqual(w.targets[0].deployedSerials, [o.issuedSerial], 'verification only: nothing deployed again');
    assert.deepEqual(await w.events(), ['renewed', 'deployed', 'verify_overdue', 'verified', 'recovered']);
  });

  describe('a crash between steps resumes from the record, with the same certificate', () => {
    // Each case stops the world right after one write, as kill -9 would; the next run is a new
    // process on the same state.
    const cases: [string, (r: CertificateRecord) => boolean, (w: Awaited<ReturnType<typeof world>>, atCrash: CertificateRecord, o: Outcome) => void][] = [
      [
        'right after the order URL is stored, the next run resumes that order with the same key',
        (r) => r.pendingOrder?.orderUrl !== undefined,
        (w, atCrash, o) => {
          assert.equal(o.decision.reason, 'OrderInProgress');
          assert.equal(w.orders(), 1, 'no second order');
          assert.ok(w.ca.calls.includes('getOrder'), 'the stored order was looked up');
          assert.equal(atCrash.issued, undefined);
          assert.deepEqual(w.targets[0].deployedSerials, [o.issuedSerial]);
        },
      ],
      [
        'right after the issued certificate is stored, the next run deploys that certificate without ordering',
        (r) => r.issued !== undefined,
        (w, atCrash, o) => {
          assert.equal(o.decision.reason, 'NotDeployed');
          assert.equal(o.issuedSerial, atCrash.issued!.serial);
          assert.equal(w.orders(), 1);
          assert.deepEqual(w.targets[0].deployedSerials, [atCrash.issued!.serial]);
        },
      ],
      [
        'right after the first of two targets is recorded, the next run deploys only the second',
        (r) => Object.keys(r.targets).length === 1,
        (w, atCrash, o) => {
          assert.equal(o.decision.reason, 'NotDeployed');
          assert.equal(o.issuedSerial, atCrash.issued!.serial);
          assert.deepEqual(w.targets.map((t) => t.deployedSerials), [[o.issuedSerial], [o.issuedSerial]], 'each target deployed once');
        },
      ],
    ];
    for (const [name, crashAfter, check] of cases) {
      it(name, async () => {
        const w = await world({ targets: 2 });
        const crashing = new CrashingStore(w.store, (r) => (crashAfter(r) ? name : undefined));
        for (const d of [w.ca, w.solver, ...w.targets]) d.onCall = crashing.watch;
        await w.run(crashing);
        assert.ok(crashing.crashedAfter, 'the crash point was reached');
        assert.deepEqual(crashing.afterCrash, [], 'nothing reached the CA, the solver or a target after the crash');
        const atCrash = await w.record();
        assert.equal(atCrash.lastFailure, undefined, 'a crash records no failure');

        for (const d of [w.ca, w.solver, ...w.targets]) d.onCall = () => undefined;
        w.clock.advance(MINUTE);
        const o = await w.run();
        assertReady(o);
        check(w, atCrash, o);
      });
    }
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { NotificationDispatcher, type NotifierEntry } from '../../../src/notify/dispatch.js';
import { emit, EventBus, settle, type CertloopEvent, type EventType } from '../../../src/observability/events.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { Notifier } from '../../../src/plugins.js';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { tempDir } from '../../support/workspace.js';

const HOUR = 3_600_000;

/** A real in-process notifier that keeps what it was given (and can be told to fail). */
function recorder(id: string, failTimes = 0): Notifier & { got: CertloopEvent[]; calls: number } {
  let failures = failTimes;
  const n = {
    id,
    got: [] as CertloopEvent[],
    calls: 0,
    describe: () => id,
    async send(e: CertloopEvent) {
      n.calls++;
      if (failures-- > 0) throw new Error('receiver down');
      n.got.push(e);
    },
  };
  return n;
}

function setup(entries: { id: string; events: EventType[]; renotify?: number; certificates?: string[]; failTimes?: number }[]) {
  const dir = tempDir('dispatch');
  const store = new SqliteStore(path.join(dir, 'state.db'));
  const notifiers = entries.map((e) => recorder(e.id, e.failTimes));
  const dispatcher = new NotificationDispatcher(
    entries.map((e, i): NotifierEntry => ({ notifier: notifiers[i], events: e.events, renotify: e.renotify ?? HOUR, certificates: e.certificates })),
    { store, log: silentLogger(), baseDir: dir, retryDelaysMs: [1, 1] },
  );
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const bus = new EventBus().on(dispatcher.listener);
  const ctx = (name = 'web') => ({ config: { name }, store, log: silentLogger(), now: () => new Date(clock), events: bus });
  const fail = (name = 'web') => emit(ctx(name), { type: 'failed', message: 'deploy failed: x', data: { step: 'deploy', code: 'DEPLOY_FAILED', error: 'x' } });
  return { store, notifiers, dispatcher, ctx, fail, advance: (ms: number) => (clock += ms), cleanup: () => store.close().then(() => fs.rmSync(dir, { recursive: true })) };
}

describe('notification dispatch', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  it('a repeated problem is sent once, throttled within renotify, and sent again after it', async () => {
    const s = setup([{ id: 'a', events: ['failed'] }]);
    cleanups.push(s.cleanup);
    await s.fail();
    s.advance(HOUR / 2);
    await s.fail();
    s.advance(HOUR / 2 + 1);
    await s.fail();
    await s.dispatcher.drain();
    assert.equal(s.notifiers[0].got.length, 2);
  });

  it('a notifier hears only the event types and certificates it lists', async () => {
    const s = setup([
      { id: 'renewals', events: ['renewed'] },
      { id: 'api-only', events: ['failed'], certificates: ['api'] },
    ]);
    cleanups.push(s.cleanup);
    await s.fail('web');
    await s.fail('api');
    await emit(s.ctx(), { type: 'renewed', message: 'issued', data: { serial: 'AB', notAfter: '2030-02-01T00:00:00Z', reason: 'RenewalDue' } });
    await s.dispatcher.drain();
    assert.deepEqual(s.notifiers[0].got.map((e) => e.type), ['renewed']);
    assert.deepEqual(s.notifiers[1].got.map((e) => e.certificate), ['api']);
  });

  it('a recovery is announced once, only to notifiers that heard about the problem, and re-arms the next failure', async () => {
    const s = setup([
      { id: 'ops', events: ['failed', 'recovered'] },
      { id: 'expiry', events: ['expiring_soon', 'recovered'] },
      { id: 'recoveries', events: ['recovered'] },
    ]);
    cleanups.push(s.cleanup);
    await s.fail();
    await settle(s.ctx(), 'AB');
    await settle(s.ctx(), 'AB');
    await s.fail();
    await s.dispatcher.drain();
    assert.deepEqual(s.notifiers[0].got.map((e) => e.type), ['failed', 'recovered', 'failed']);
    assert.deepEqual(s.notifiers[1].got, []);
    assert.deepEqual(s.notifiers[2].got.map((e) => e.type), ['recovered']);
    const history = await s.store.events('web', 10);
    assert.equal(history.filter((e) => e.type === 'recovered').length, 1);
  });

  it('a receiver that fails is retried, and one that stays down is given up without throwing', async () => {
    const s = setup([
      { id: 'flaky', events: ['failed'], failTimes: 1 },
      { id: 'down', events: ['failed'], failTimes: 99 },
    ]);
    cleanups.push(s.cleanup);
    await s.fail();
    await s.dispatcher.drain();
    assert.equal(s.notifiers[0].got.length, 1);
    assert.equal(s.notifiers[0].calls, 2);
    assert.equal(s.notifiers[1].calls, 3, 'one try and two retries');
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { recordDrill } from '../../../src/controller/drill-record.js';
import type { DrillReport } from '../../../src/controller/drill.js';
import { NotificationDispatcher } from '../../../src/notify/dispatch.js';
import { DEFAULT_NOTIFY_EVENTS } from '../../../src/notify/schema.js';
import { emit, EventBus, settle, type CertloopEvent, type EventType } from '../../../src/observability/events.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { readLastDrill } from '../../../src/state/drill-result.js';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { tempDir } from '../../support/workspace.js';

const HOUR = 3_600_000;

function report(passed: boolean): DrillReport {
  return {
    name: 'web',
    at: '2030-03-01T00:00:00.000Z',
    directory: 'https://staging.example/dir',
    drillSerial: passed ? 'AB' : null,
    deployedSerial: 'CD',
    passed,
    steps: [
      { step: 'schedule', status: 'pass', message: 'renews' },
      passed ? { step: 'issue', status: 'pass', message: 'staging issued AB' } : { step: 'issue', status: 'fail', message: 'cannot listen on 127.0.0.1:80' },
      { step: 'endpoints', status: passed ? 'pass' : 'fail', message: passed ? '1 of 1 serve CD' : '0 of 1 serve CD' },
    ],
  };
}

function setup(entries: { id: string; events: EventType[] }[]) {
  const dir = tempDir('drill-record');
  const store = new SqliteStore(path.join(dir, 'state.db'));
  const got: Record<string, CertloopEvent[]> = Object.fromEntries(entries.map((e) => [e.id, []]));
  const dispatcher = new NotificationDispatcher(
    entries.map((e) => ({ notifier: { id: e.id, describe: () => e.id, send: async (ev: CertloopEvent) => void got[e.id].push(ev) }, events: e.events, renotify: 24 * HOUR })),
    { store, log: silentLogger(), baseDir: dir, retryDelaysMs: [] },
  );
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const events = new EventBus().on(dispatcher.listener);
  const now = () => new Date(clock);
  const drill = async (passed: boolean, trigger: 'daemon' | 'manual' = 'daemon') => {
    const r = await recordDrill({ store, log: silentLogger(), events, now, certificate: 'web', trigger }, report(passed));
    await dispatcher.drain();
    return r;
  };
  const ctx = { config: { name: 'web' }, store, log: silentLogger(), now, events };
  return { store, got, drill, ctx, dispatcher, advance: (ms: number) => (clock += ms), cleanup: () => store.close().then(() => fs.rmSync(dir, { recursive: true })) };
}

describe('recording drills', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  it('keeps the last result with the first failing step, and since when drills have been failing', async () => {
    const s = setup([]);
    cleanups.push(s.cleanup);
    assert.equal(await readLastDrill(s.store, 'web'), undefined);
    const first = await s.drill(false);
    assert.deepEqual(
      { ...first },
      { at: '2030-01-01T00:00:00.000Z', passed: false, failedStep: 'issue', reason: 'cannot listen on 127.0.0.1:80', failedSteps: ['issue', 'endpoints'], simulatedAt: '2030-03-01T00:00:00.000Z', trigger: 'daemon', failingSince: '2030-01-01T00:00:00.000Z' },
    );
    s.advance(HOUR);
    const second = await s.drill(false, 'manual');
    assert.equal(second.failingSince, '2030-01-01T00:00:00.000Z', 'still failing since the first one');
    assert.deepEqual(await readLastDrill(s.store, 'web'), second);
    s.advance(HOUR);
    const passed = await s.drill(true);
    assert.equal(passed.passed, true);
    assert.equal(passed.failedStep, null);
    assert.equal(passed.failingSince, null);
  });

  it('a failing drill is sent once per renotify, and its recovery once, to a notifier with the default events', async () => {
    const s = setup([{ id: 'ops', events: DEFAULT_NOTIFY_EVENTS }]);
    cleanups.push(s.cleanup);
    await s.drill(true);
    assert.equal(s.got.ops.length, 0, 'a first drill that passes is not news');
    await s.drill(false);
    s.advance(HOUR);
    await s.drill(false);
    assert.deepEqual(s.got.ops.map((e) => `${e.type}:${e.severity}`), ['drill_failed:warning']);
    s.advance(HOUR);
    await s.drill(true);
    await s.drill(true);
    assert.deepEqual(s.got.ops.map((e) => e.type), ['drill_failed', 'drill_recovered']);
    assert.deepEqual(s.got.ops[1].data, { failingSince: '2030-01-01T00:00:00.000Z', trigger: 'daemon' });
    await s.drill(false);
    assert.equal(s.got.ops.at(-1)!.type, 'drill_failed', 'after a recovery the next failure is news again');
  });

  it('a certificate that is Ready does not close a failing drill, and a drill does not close its problems', async () => {
    const s = setup([{ id: 'ops', events: DEFAULT_NOTIFY_EVENTS }]);
    cleanups.push(s.cleanup);
    await s.drill(false);
    // A run ends Ready: nothing was open, so nothing recovers; the drill is still failing.
    await settle(s.ctx);
    assert.deepEqual(s.got.ops.map((e) => e.type), ['drill_failed']);
    // A real problem, then a passing drill: the drill recovers, the problem stays open.
    await emit(s.ctx, { type: 'failed', message: 'deploy failed', data: { step: 'deploy', code: 'DEPLOY_FAILED', error: 'x' } });
    await s.drill(true);
    await settle(s.ctx);
    await s.dispatcher.drain();
    assert.deepEqual(s.got.ops.map((e) => e.type), ['drill_failed', 'failed', 'drill_recovered', 'recovered']);
    assert.deepEqual((s.got.ops[3].data as { from: string[] }).from, ['failed']);
  });

  it('a notifier that listens to drill_recovered only, not drill_failed, still hears recoveries', async () => {
    const s = setup([
      { id: 'recoveries', events: ['drill_recovered'] },
      { id: 'problems', events: ['failed', 'recovered'] },
    ]);
    cleanups.push(s.cleanup);
    await s.drill(false);
    await s.drill(true);
    assert.deepEqual(s.got.recoveries.map((e) => e.type), ['drill_recovered']);
    assert.deepEqual(s.got.problems, [], 'drill events are not problems');
  });
});

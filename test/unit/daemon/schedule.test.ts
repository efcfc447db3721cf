import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CronTime, validateCronExpression } from 'cron';
import { defaultDrillSchedule, defaultSchedule, installationId } from '../../../src/daemon/schedule.js';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { tempDir } from '../../support/workspace.js';

describe('default daemon schedule', () => {
  it('is a valid cron expression, twice a day twelve hours apart, never on the hour for every installation', () => {
    const minutes = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const s = defaultSchedule(`installation-${i}`);
      assert.equal(validateCronExpression(s).valid, true, s);
      const [minute, hours] = s.split(' ');
      const [h1, h2] = hours.split(',').map(Number);
      assert.equal(h2 - h1, 12);
      minutes.add(Number(minute));
    }
    assert.ok(minutes.size > 20, 'minutes spread across installations');
  });

  it('is the same for the same installation, across restarts', async () => {
    const file = path.join(tempDir('schedule'), 'state.db');
    const first = new SqliteStore(file);
    const id = await installationId(first);
    await first.close();
    const second = new SqliteStore(file);
    assert.equal(await installationId(second), id);
    assert.equal(defaultSchedule(id), defaultSchedule(await installationId(second)));
    await second.close();
  });
});

describe('default drill schedule', () => {
  it('is a valid cron expression that fires once a week, at one minute of one hour of one weekday', () => {
    for (let i = 0; i < 50; i++) {
      const s = defaultDrillSchedule(`installation-${i}`);
      assert.equal(validateCronExpression(s).valid, true, s);
      const [minute, hour, dom, month, weekday] = s.split(' ');
      assert.ok(/^\d+$/.test(minute) && Number(minute) < 60, s);
      assert.ok(/^\d+$/.test(hour) && Number(hour) < 24, s);
      assert.equal(dom, '*');
      assert.equal(month, '*');
      assert.ok(/^[0-6]$/.test(weekday), s);
      // Seven ticks in a row are exactly a week apart.
      const ticks = new CronTime(s, 'UTC').sendAt(7).map((d) => d.toMillis());
      for (let t = 1; t < ticks.length; t++) assert.equal(ticks[t] - ticks[t - 1], 7 * 86_400_000, s);
    }
  });

  it('spreads installations over the week', () => {
    const slots = new Set<string>();
    const weekdays = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const s = defaultDrillSchedule(`installation-${i}`);
      slots.add(s);
      weekdays.add(s.split(' ')[4]);
    }
    assert.ok(slots.size > 45, 'times differ between installations');
    assert.equal(weekdays.size, 7, 'every weekday is used by someone');
  });

  it('is the same for the same installation across restarts', async () => {
    const file = path.join(tempDir('drill-schedule'), 'state.db');
    const first = new SqliteStore(file);
    const schedule = defaultDrillSchedule(await installationId(first));
    await first.close();
    const second = new SqliteStore(file);
    const id = await installationId(second);
    await second.close();
    assert.equal(defaultDrillSchedule(id), schedule);
    assert.notEqual(defaultDrillSchedule(id), defaultDrillSchedule(`${id}x`));
  });
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validateCronExpression } from 'cron';
import { defaultSchedule, installationId } from '../../../src/daemon/schedule.js';
import { SqliteStore } from '../../../src/state/sqlite.js';
import { tempDir } from '../../support/lab.js';

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

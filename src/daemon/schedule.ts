/**
 * The daemon's default schedule: twice a day, 12 hours apart, at a minute and hour fixed per
 * installation. Let's Encrypt asks clients not to renew on the hour (everyone's cron fires at
 * :00 and the CA sees the spike): https://letsencrypt.org/docs/integration-guide/ . The seed is
 * a random id kept in the state store, so the time stays the same across restarts and upgrades
 * but differs between installations.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StateStore } from '../state/store.js';

export const INSTALLATION_KEY = 'installation-id';

export async function installationId(store: StateStore): Promise<string> {
  const existing = await store.getValue(INSTALLATION_KEY);
  if (existing) return existing;
  await store.setValue(INSTALLATION_KEY, randomBytes(16).toString('hex'));
  // Two daemons starting at once over one store both write; read back whichever won.
  return (await store.getValue(INSTALLATION_KEY))!;
}

/** "M H,H+12 * * *" derived from the installation id. */
export function defaultSchedule(id: string): string {
  const h = createHash('sha256').update(id).digest();
  const minute = h.readUInt16BE(0) % 60;
  const hour = h.readUInt16BE(2) % 12;
  return `${minute} ${hour},${hour + 12} * * *`;
}

/**
 * The daemon's default drill schedule: once a week, on a weekday, hour and minute fixed per
 * installation (from other bytes of the same hash, so it does not always fall on a run's minute).
 * Weekly: often enough that a broken renewal path is found weeks before the renewal window
 * (a third of a 90-day lifetime is 30 days), rarely enough to stay well inside staging rate limits.
 */
export function defaultDrillSchedule(id: string): string {
  const h = createHash('sha256').update(`drill:${id}`).digest();
  const minute = h.readUInt16BE(0) % 60;
  const hour = h.readUInt16BE(2) % 24;
  const weekday = h.readUInt16BE(4) % 7;
  return `${minute} ${hour} * * ${weekday}`;
}

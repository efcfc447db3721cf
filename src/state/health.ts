/**
 * The state store's health for a long-running process (the daemon): before each pass and on
 * /healthz. A store without a check of its own (Azure Blob: every call goes to the service) is
 * healthy as long as it answers, which the caller sees anyway.
 */
import type { Logger } from '../observability/logger.js';
import type { StateStore } from './store.js';

export interface StateHealth {
  ok: boolean;
  /** Why not, or what was repaired. */
  message?: string;
}

export async function stateHealth(store: StateStore, log: Logger): Promise<StateHealth> {
  const health = (await store.checkHealth?.()) ?? { ok: true };
  if (!health.ok) log.error({ code: 'STATE_FAILED' }, health.message ?? 'the state store is not usable');
  else if (health.message) log.error({ code: 'STATE_FAILED' }, health.message);
  return health;
}

/**
 * cron's validateCronExpression, with cron (and luxon under it) loaded on the first call: only
 * configs and flags that give a schedule need it, and every command loads the config schema.
 *
 * Stricter than cron's own check in one way: an expression for a date that never comes ("0 0 30 2
 * *", 30 February) is valid to cron, but starting a job on it throws, so the daemon died at start
 * after `config check` had said yes.
 */
import type { validateCronExpression as ValidateCron } from 'cron';
import { lazyRequire } from './lazy-require.js';

const cron = lazyRequire<typeof import('cron')>('cron');

export const validateCronExpression: typeof ValidateCron = (expression) => {
  const result = cron().validateCronExpression(expression);
  if (!result.valid) return result;
  try {
    new (cron().CronTime)(expression).sendAt();
  } catch {
    return { valid: false, error: new Error('no date it names comes in the next 8 years (such as 30 February), so it would never run') } as ReturnType<typeof ValidateCron>;
  }
  return result;
};

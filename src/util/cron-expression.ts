/**
 * cron's validateCronExpression, with cron (and luxon under it) loaded on the first call: only
 * configs and flags that give a schedule need it, and every command loads the config schema.
 */
import type { validateCronExpression as ValidateCron } from 'cron';
import { lazyRequire } from './lazy-require.js';

const cron = lazyRequire<typeof import('cron')>('cron');

export const validateCronExpression: typeof ValidateCron = (expression) => cron().validateCronExpression(expression);

/** Nothing to do: the last finder, so the chain always has an answer. */
import type { Check } from '../types.js';

export const upToDate: Check = {
  name: 'up-to-date',
  finds: ({ renewal }) => ({ action: 'none', reason: 'UpToDate', message: renewal ? `up to date; renewal due ${renewal.at.toISOString()}` : 'up to date' }),
};

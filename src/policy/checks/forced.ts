/** `certloop renew NAME --force`: the operator's word ends every hold and every wait. */
import type { Check } from '../types.js';

export const forced: Check = {
  name: 'forced',
  finds: ({ force }) => (force ? { action: 'issue', reason: 'Forced', message: 'renewal forced by the operator', source: 'forced' } : undefined),
};

/** An order that did not finish (crash, timeout) is resumed with the same key before anything else. */
import type { Check } from '../types.js';

export const orderInProgress: Check = {
  name: 'order-in-progress',
  finds: ({ record }) =>
    record?.pendingOrder ? { action: 'issue', reason: 'OrderInProgress', message: 'an earlier order did not finish; resuming it with the same key' } : undefined,
};

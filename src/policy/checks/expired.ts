/** An expired certificate is replaced, whatever else is pending for it. */
import type { Check } from '../types.js';

export const expired: Check = {
  name: 'expired',
  finds: ({ record, now }) => {
    const notAfter = record?.issued?.notAfter;
    return notAfter !== undefined && Date.parse(notAfter) <= now.getTime()
      ? { action: 'issue', reason: 'Expired', message: `the issued certificate expired at ${notAfter}` }
      : undefined;
  },
};

/** Nothing issued yet. Every later check may rely on an issued certificate, but checks for it anyway. */
import type { Check } from '../types.js';

export const noCertificate: Check = {
  name: 'no-certificate',
  finds: ({ record }) => (record?.issued ? undefined : { action: 'issue', reason: 'NoCertificate', message: 'no certificate has been issued yet' }),
};

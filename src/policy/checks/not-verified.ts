/** The deployed certificate is not yet confirmed served on every endpoint: verify (again). */
import type { Check } from '../types.js';

export const notVerified: Check = {
  name: 'not-verified',
  finds: ({ record }) => {
    if (!record?.issued) return undefined;
    const v = record.lastVerification;
    return v && v.serial === record.deployedSerial && v.verified
      ? undefined
      : { action: 'verify', reason: 'NotVerified', message: `deployed certificate ${record.deployedSerial} is not yet confirmed on every endpoint` };
  },
};

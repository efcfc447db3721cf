/** The issued certificate failed the pre-deploy checks (key, names, validity, chain): it is never deployed. */
import type { Check } from '../types.js';

export const rejected: Check = {
  name: 'rejected',
  finds: ({ record }) => {
    const serial = record?.issued?.serial;
    return serial !== undefined && record!.rejectedSerial === serial
      ? { action: 'issue', reason: 'CertificateRejected', message: `certificate ${serial} failed the pre-deploy checks; ordering a replacement` }
      : undefined;
  },
};

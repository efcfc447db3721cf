/**
 * The issued certificate was revoked (`certloop revoke`, issue 19): clients that check revocation
 * refuse it, so a replacement is due now, with a new key (controller/certificate.ts never reuses a
 * revoked key), whatever the renewal time says. When revoke replaces it at once this is what its
 * run finds; after `revoke --no-renew` it is what the next run finds.
 */
import type { Check } from '../types.js';

export const revoked: Check = {
  name: 'revoked',
  finds: ({ record }) => {
    const serial = record?.issued?.serial;
    const r = serial === undefined ? undefined : record!.revocations?.find((x) => x.serial === serial);
    return r ? { action: 'issue', reason: 'Revoked', message: `certificate ${r.serial} was revoked (${r.reason}) at ${r.at}; ordering a replacement with a new key` } : undefined;
  },
};

/**
 * An issued certificate not yet on every target is deployed, never re-ordered: a later step's
 * failure must not burn CA rate limits (DESIGN "The loop for one certificate").
 */
import type { Check } from '../types.js';

export const notDeployed: Check = {
  name: 'not-deployed',
  finds: ({ record }) => {
    const serial = record?.issued?.serial;
    return serial !== undefined && record!.deployedSerial !== serial
      ? { action: 'deploy', reason: 'NotDeployed', message: `certificate ${serial} is issued but not yet deployed to every target` }
      : undefined;
  },
};

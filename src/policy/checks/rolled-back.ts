/**
 * After `certloop rollback`, the certificate in place is older than the one it replaced and is
 * usually past its renewal time: without a hold, the next scheduled run would order and deploy a
 * new certificate within minutes and undo the rollback. So automatic renewal pauses while the
 * rolled-back certificate is deployed, until its emergency window (the `emergency` check comes
 * first in the chain) or until the operator runs `certloop renew NAME --force` (`forced` comes
 * first too). Verification goes on as usual.
 */
import type { Check } from '../types.js';

export const rolledBack: Check = {
  name: 'rolled-back',
  finds: ({ record, renewal }) => {
    const rb = record?.rollback;
    const issued = record?.issued;
    if (!rb || !issued || !renewal || rb.serial !== issued.serial || record!.deployedSerial !== issued.serial) return undefined;
    const until = renewal.floor;
    const message = `rolled back to ${rb.serial} (replacing ${rb.from}) at ${rb.at}; automatic renewal paused until ${until.toISOString()} or \`certloop renew ${record!.name} --force\``;
    const v = record!.lastVerification;
    const verified = v && v.serial === record!.deployedSerial && v.verified;
    return verified ? { action: 'none', reason: 'RolledBack', message } : { action: 'verify', reason: 'RolledBack', message };
  },
};

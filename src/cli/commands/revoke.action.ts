/**
 * `certloop revoke NAME`: the CA revokes the certificate (controller/revoke.ts), then, unless
 * --no-renew, the ordinary loop replaces it at once: a new order with a new key, deploy, verify.
 */
import { runOnce } from '../../controller/run.js';
import { revokeCertificate } from '../../controller/revoke.js';
import { CertloopError } from '../../errors.js';
import { parseSerial } from '../../pki/certificate.js';
import type { RevocationReason } from '../../state/record.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';
import { createObservers } from '../../report/observers.js';
import { outcomeLine, summaryJson } from './run.action.js';

export interface RevokeCommandOptions extends GlobalOptions {
  name: string;
  reason: RevocationReason;
  serial?: string;
  renew: boolean;
}

export async function revokeCommand(opts: RevokeCommandOptions): Promise<number> {
  // Checked before the config is read: a mistyped serial is a usage error whatever the config says.
  const serial = opts.serial === undefined ? undefined : parseSerial(opts.serial);
  if (opts.serial !== undefined && !serial) {
    throw new CertloopError('USAGE', `--serial ${opts.serial}: expected a serial in hex: 0A1B2C, 0a:1b:2c, or serial=0A1B2C as openssl x509 -serial prints it`, { step: 'revoke', retryable: false });
  }
  return withContext(opts, async ({ config, store, log }) => {
    const cert = config.certificates.find((c) => c.name === opts.name);
    if (!cert) {
      throw new CertloopError('USAGE', `no certificate named ${opts.name} in ${config.file} (known: ${config.certificates.map((c) => c.name).join(', ')})`, { retryable: false });
    }
    const observers = createObservers(config, store, log);
    try {
      const revoked = await revokeCertificate({ config, cert, store, log, reason: opts.reason, serial, renewNow: opts.renew, events: observers.bus });
      const how = revoked.signedWith === 'certificate-key' ? "signed with the certificate's own key" : 'signed with the ACME account key';
      const line = `revoked ${cert.name} ${revoked.serial} (${revoked.reason}, ${how})${revoked.alreadyRevoked ? ': the CA had revoked it already' : ''}`;

      // Replace it with the loop every run uses: the record says the issued certificate is revoked,
      // so the run finds `revoked` (policy/checks/revoked.ts) and orders a new one with a new key; a
      // revoked deployed certificate with a newer one issued gets that one deployed.
      const replace = revoked.inUse && opts.renew;
      if (!opts.json) {
        print(line);
        if (!revoked.inUse) print(`${revoked.serial} is not the certificate in use: nothing to replace`);
        else if (!opts.renew) print(`not replaced now (--no-renew): the next run orders a replacement with a new key; see certloop status ${cert.name}`);
      }
      const summary = replace
        ? await runOnce({ config, store, log, names: [cert.name], force: revoked.forceReplacement, events: observers.bus })
        : undefined;
      const outcome = summary?.certificates[0];
      if (opts.json) {
        printJson({
          name: cert.name,
          revocation: { serial: revoked.serial, reason: revoked.reason, signedWith: revoked.signedWith, directory: revoked.directory, at: revoked.at, alreadyRevoked: revoked.alreadyRevoked },
          inUse: revoked.inUse,
          replacement: summary ? summaryJson(summary).certificates[0] : null,
          exitCode: summary?.exitCode ?? 0,
        });
      } else if (outcome) {
        print(outcomeLine(outcome));
      }
      return (summary?.exitCode ?? 0) === 0 ? EXIT.OK : EXIT.FAILED;
    } finally {
      await observers.dispatcher.drain();
    }
  });
}

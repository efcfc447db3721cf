/**
 * Adoption: on the first run of a managed certificate, a target that already holds a valid
 * certificate for its names (with the key) hands it over, and certloop manages that one instead of
 * ordering a duplicate (Let's Encrypt allows 5 duplicate certificates a week). The adopted
 * certificate passes the same pre-deploy checks as an issued one and must not be due for renewal;
 * otherwise certloop orders as usual.
 */
import { X509Certificate } from 'node:crypto';
import { describeError } from '../errors.js';
import { checkIssuedCertificate, describeCertificate, splitPem } from '../pki/certificate.js';
import { isAdoptable } from '../plugins.js';
import { renewalTime } from '../policy/renewal-time.js';
import { setCondition, type CertificateRecord, type IssuedCertificate } from '../state/record.js';
import type { CertificateContext } from './types.js';

/** Returns true when a certificate was adopted into `record.issued` (and stored). */
export async function adoptFromTargets(ctx: CertificateContext, record: CertificateRecord): Promise<boolean> {
  const { config, store, log, now } = ctx;
  const name = config.name;
  for (const target of await ctx.targets()) {
    if (!isAdoptable(target)) continue;
    const found = await target.adopt(config.domains, { log, baseDir: ctx.baseDir });
    if (!found) continue;

    let leaf;
    try {
      leaf = describeCertificate(new X509Certificate(splitPem(found.fullchainPem)[0] ?? ''));
    } catch (err) {
      log.warn({ certificate: name, target: target.describe(), err: describeError(err) }, 'not adopting: the certificate does not parse');
      continue;
    }
    const failed = checkIssuedCertificate(found.fullchainPem, found.keyPem, config.domains, now()).filter((c) => !c.ok);
    if (failed.length > 0) {
      log.info({ certificate: name, target: target.describe(), serial: leaf.serial }, `not adopting: ${failed.map((c) => c.message).join('; ')}`);
      continue;
    }
    const renewAt = renewalTime({ notBefore: leaf.notBefore.toISOString(), notAfter: leaf.notAfter.toISOString() }, ctx.policy, undefined, now());
    if (renewAt.at <= now()) {
      log.info({ certificate: name, target: target.describe(), serial: leaf.serial }, `not adopting: it is due for renewal (${renewAt.reason}); ordering a new one`);
      continue;
    }

    const issued: IssuedCertificate = {
      serial: leaf.serial,
      domains: [...config.domains],
      notBefore: leaf.notBefore.toISOString(),
      notAfter: leaf.notAfter.toISOString(),
      fullchainPem: found.fullchainPem,
      keyPem: found.keyPem,
      issuedAt: now().toISOString(),
      directory: ctx.directory,
      adoptedFrom: target.id,
    };
    record.issued = issued;
    record.lastFailure = undefined;
    // The target it came from already holds it; other targets get it in the deploy step.
    record.targets[target.id] = { serial: issued.serial, at: now().toISOString() };
    const message = `adopted certificate ${issued.serial} (valid until ${issued.notAfter}) from ${target.describe()}`;
    setCondition(record, 'Issued', 'True', 'Adopted', message, now());
    setCondition(record, 'Deployed', 'False', 'NotDeployed', `certificate ${issued.serial} is not deployed to every target yet`, now());
    await store.put(record);
    await store.addEvent({ certificate: name, at: now().toISOString(), type: 'adopted', message, data: { serial: issued.serial, notAfter: issued.notAfter, target: target.id } });
    log.info({ certificate: name, serial: issued.serial, target: target.describe() }, 'adopted an existing certificate instead of ordering one');
    return true;
  }
  return false;
}

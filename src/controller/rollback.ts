/**
 * `certloop rollback NAME`: put the previously deployed certificate back on every target, then
 * verify it is served. It is a deployment like any other (same targets, same pre-deploy checks,
 * same conditions and history), of a certificate certloop already holds: record.previous, with
 * its key. Refused, with the reason, when that certificate is expired or inside its emergency
 * window, since rolling back to it would trade one outage for another.
 *
 * The rolled-back certificate becomes `issued` and the one it replaced becomes `previous`, so a
 * crash mid-rollback resumes like any unfinished deploy, and a second rollback rolls forward.
 * Automatic renewal then pauses (policy/checks/rolled-back.ts).
 */
import { CertloopError, type Step } from '../errors.js';
import { sourceLabel } from '../config/schema.js';
import { checkIssuedCertificate } from '../pki/certificate.js';
import { emergencyTime } from '../policy/emergency.js';
import { setCondition, type CertificateRecord } from '../state/record.js';
import { deploy, recordFailure, toCertloopError, verdictOf, verify, type CertificateContext, type CertificateOutcome } from './certificate.js';

export interface RollbackOutcome extends CertificateOutcome {
  /** The serial that was deployed before the rollback. */
  from?: string;
  /** The serial rolled back to. */
  to?: string;
}

/** Why a rollback cannot happen, or undefined when it can. Pure. */
export function rollbackRefusal(record: CertificateRecord | undefined, ctx: Pick<CertificateContext, 'config' | 'policy'>, now: Date): string | undefined {
  const name = ctx.config.name;
  if (!record?.deployedSerial) return `nothing has been deployed for ${name} yet`;
  const prev = record.previous;
  if (!prev) return `no previous certificate is kept for ${name} (only one has been deployed so far)`;
  if (prev.serial === record.deployedSerial) return `the previous certificate ${prev.serial} is the one deployed now`;
  const revoked = record.revocations?.find((r) => r.serial === prev.serial);
  if (revoked) return `the previous certificate ${prev.serial} was revoked (${revoked.reason}) at ${revoked.at}; renew instead: certloop renew ${name} --force`;
  if (Date.parse(prev.notAfter) <= now.getTime()) {
    return `the previous certificate ${prev.serial} expired at ${prev.notAfter}; renew instead: certloop renew ${name} --force`;
  }
  const emergency = emergencyTime(prev, ctx.policy);
  if (now >= emergency) {
    return `the previous certificate ${prev.serial} expires at ${prev.notAfter} and is inside its emergency window (since ${emergency.toISOString()}); renew instead: certloop renew ${name} --force`;
  }
  const failed = checkIssuedCertificate(prev.fullchainPem, prev.keyPem, ctx.config.domains, now).filter((c) => !c.ok);
  if (failed.length > 0) return `the previous certificate ${prev.serial} fails the pre-deploy checks: ${failed.map((c) => c.message).join('; ')}`;
  return undefined;
}

export async function rollbackCertificate(ctx: CertificateContext): Promise<RollbackOutcome> {
  const { config, store, log, now } = ctx;
  const name = config.name;
  const record = await store.get(name);
  const outcome: RollbackOutcome = {
    name,
    decision: { action: 'deploy', reason: 'Rollback', message: 'rollback requested by the operator' },
    verdict: 'ready',
    renewed: false,
    deployed: false,
  };

  const refusal = config.source
    ? `certloop does not issue it: its source is ${sourceLabel(config)}; to go back to an earlier version, disable the newer versions there (certloop then expects the latest enabled one)`
    : rollbackRefusal(record, ctx, now());
  if (refusal || !record) {
    log.warn({ certificate: name }, `rollback refused: ${refusal}`);
    throw new CertloopError('ROLLBACK_REFUSED', `rollback of ${name} refused: ${refusal}`, { certificate: name, step: 'decide', retryable: false });
  }

  // Swap first and persist: from here on this is an ordinary unfinished deploy.
  const from = record.issued!;
  const to = record.previous!;
  outcome.from = record.deployedSerial;
  outcome.to = to.serial;
  record.issued = to;
  record.previous = from;
  record.rollback = { serial: to.serial, from: record.deployedSerial!, at: now().toISOString() };
  setCondition(record, 'Issued', 'True', 'RolledBack', `rolled back to ${to.serial} (valid until ${to.notAfter}), replacing ${record.deployedSerial}`, now());
  setCondition(record, 'Deployed', 'False', 'RollingBack', `certificate ${to.serial} is being deployed again`, now());
  setCondition(record, 'Ready', 'False', 'RollingBack', `rolling back to ${to.serial}`, now());
  await store.put(record);
  await store.addEvent({
    certificate: name,
    at: now().toISOString(),
    type: 'rollback',
    message: `rollback from ${record.rollback.from} to ${to.serial} requested`,
    data: { from: record.rollback.from, to: to.serial, notAfter: to.notAfter },
  });
  log.warn({ certificate: name, from: record.rollback.from, to: to.serial }, 'rolling back to the previous certificate');

  try {
    await deploy(ctx, record);
    outcome.deployed = true;
    outcome.verification = await verify(ctx, record, true);
    outcome.verdict = verdictOf(outcome.verification);
  } catch (err) {
    const e = toCertloopError(err, name);
    await recordFailure(ctx, record, e);
    outcome.verdict = 'failed';
    outcome.error = { step: (e.step ?? 'deploy') as Step, code: e.code, message: e.message };
    log.error({ certificate: name, step: e.step, code: e.code, err: e.message }, 'rollback failed');
  }
  outcome.issuedSerial = record.issued?.serial;
  outcome.deployedSerial = record.deployedSerial;
  return outcome;
}

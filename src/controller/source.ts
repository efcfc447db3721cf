/**
 * The loop for a certificate certloop does not issue (issue 18 §3): Key Vault holds it, renewed by
 * its own CA integration or written by another tool, and the consumers in front (Application
 * Gateway, App Service, Front Door) pick its latest version up on their own schedule.
 *
 *   observe the source ──► verify ──► ready
 *
 * - Observe: the source's current version (Key Vault: the latest enabled one that is valid now).
 *   A version certloop has not seen becomes the record's issued and deployed certificate, deployed
 *   when it became current: the consumers' pick-up time runs from there.
 * - Verify: every endpoint must serve it; pending until the verify deadline (the policy of what
 *   serves it: azure-app-gateway, azure-app-service, azure-front-door), then `verify_overdue`,
 *   exactly as for a certificate certloop deploys (verify/deadline.ts).
 * - The version itself near its expiry with no successor in the vault is `expiring_soon` for the
 *   vault, raised before any endpoint serves an expiring certificate.
 */
import { CertloopError, Interrupted } from '../errors.js';
import { emit, progress, settle } from '../observability/events.js';
import { isExpiring } from '../pki/expiry.js';
import type { CertificateSource, SourceVersion } from '../plugins.js';
import { decide } from '../policy/decide.js';
import type { RenewalPolicy } from '../policy/types.js';
import { emptyRecord, setCondition, type CertificateRecord } from '../state/record.js';
import type { VerifyAlert } from '../verify/deadline.js';
import { describeCertificateSource } from '../../providers/schemas.js';
import { recordFailure, toCertloopError, verdictOf, verify } from './certificate.js';
import type { CertificateContext, CertificateOutcome } from './types.js';

/** One pass for a certificate with a `source`: run, the daemon's verify pass and `certloop verify` alike. */
export async function reconcileFromSource(ctx: CertificateContext, opts: { record?: boolean } = {}): Promise<CertificateOutcome> {
  const { config, store, log, now } = ctx;
  const name = config.name;
  const keep = opts.record !== false;
  const record = (await store.get(name)) ?? emptyRecord(name, now());
  const decision = decide({ record, domains: config.domains, source: describeCertificateSource(config.source!) }, ctx.policy, now());
  progress(ctx, 'decide', decision.action);
  const outcome: CertificateOutcome = { name, decision, verdict: 'ready', renewed: false, deployed: false };
  try {
    // Observe: which version should be served now.
    progress(ctx, 'observe');
    const source = await ctx.source!();
    const current = await source.current({ log, now: now(), signal: ctx.signal });
    if (!current) {
      throw new CertloopError('SOURCE_FAILED', `${source.describe()} holds no enabled version that is valid now: nothing to verify`, { certificate: name, step: 'observe' });
    }
    const fresh = takeVersion(record, source, current, now());
    outcome.source = { ...record.source!, description: source.describe() };
    if (keep) {
      await store.put(record);
      if (fresh) {
        await emit(ctx, {
          type: 'deployed',
          message: `${source.describe()} holds a new version ${current.version} (serial ${current.serial}, valid until ${current.notAfter.toISOString()}): waiting for every endpoint to serve it`,
          data: { serial: current.serial, targets: [source.describe()] },
        });
      }
    }
    log.info({ certificate: name, source: source.id, version: current.version, serial: current.serial, skipped: current.skipped.length }, `${source.describe()}: version ${current.version} is current`);

    // Verify: a single check per run (no polling): consumers pick versions up in hours.
    progress(ctx, 'verify');
    outcome.verification = await verify(ctx, record, false, opts);
    outcome.alerts = [...outcome.verification.alerts];
    outcome.verdict = verdictOf(outcome.verification);

    // The vault itself: the current version near its expiry, and nothing newer coming.
    const expiring = sourceExpiring(current, ctx.policy, now());
    if (expiring) {
      const message = `${source.describe()} holds no version newer than ${current.serial}, which ${expiring.remainingDays <= 0 ? 'has expired' : `expires in ${expiring.remainingDays} day(s)`}, at ${current.notAfter.toISOString()}: renew it in Key Vault (certloop does not issue it)`;
      const alert: VerifyAlert = { reason: 'SourceExpiring', message };
      outcome.alerts.push(alert);
      if (keep) {
        if (record.conditions.Ready?.status === 'True') setCondition(record, 'Ready', 'False', alert.reason, message, now());
        await store.put(record);
        await emit(ctx, { type: 'expiring_soon', message, data: { serial: current.serial, notAfter: current.notAfter.toISOString(), remainingDays: expiring.remainingDays } });
      }
      log.warn({ certificate: name, source: source.id, serial: current.serial, notAfter: current.notAfter.toISOString() }, message);
    } else if (keep && outcome.verdict === 'ready' && outcome.alerts.length === 0) {
      await settle(ctx, record.deployedSerial);
    }
  } catch (err) {
    if (err instanceof Interrupted || (ctx.signal?.aborted && err === ctx.signal.reason)) {
      outcome.verdict = 'pending';
      log.info({ certificate: name }, 'stopped in the middle of a step: shutting down');
    } else {
      const e = toCertloopError(err, name);
      if (keep) await recordFailure(ctx, record, e);
      outcome.verdict = 'failed';
      outcome.error = { step: e.step ?? 'observe', code: e.code, message: e.message };
      log.error({ certificate: name, step: e.step, code: e.code, err: e.message }, `${e.step ?? 'observe'} failed`);
    }
  }
  progress(ctx, 'done', outcome.verdict);
  outcome.issuedSerial = record.issued?.serial;
  outcome.deployedSerial = record.deployedSerial;
  return outcome;
}

/**
 * Records the source's current version as the certificate to serve; true when it is a version
 * certloop had not recorded as current (a new one, or an older one current again).
 */
function takeVersion(record: CertificateRecord, source: CertificateSource, v: SourceVersion, now: Date): boolean {
  const fresh = record.deployedSerial !== v.serial;
  record.lastFailure = undefined;
  record.source = {
    id: source.id,
    version: v.version,
    currentSince: v.currentSince.toISOString(),
    readAt: now.toISOString(),
    skipped: v.skipped.map((s) => ({ version: s.version, reason: s.reason })),
  };
  const held = `${source.describe()} holds version ${v.version} (serial ${v.serial}), valid until ${v.notAfter.toISOString()}`;
  setCondition(record, 'Issued', 'True', 'FromSource', `${held}; certloop does not issue it`, now);
  setCondition(record, 'Deployed', 'True', 'FromSource', `${held}, current since ${v.currentSince.toISOString()}`, now);
  if (!fresh) return false;
  if (record.issued) record.previous = record.issued;
  record.issued = {
    serial: v.serial,
    domains: v.domains,
    notBefore: v.notBefore.toISOString(),
    notAfter: v.notAfter.toISOString(),
    fullchainPem: v.certPem,
    keyPem: '', // certloop never holds the key of a certificate it does not issue
    issuedAt: v.currentSince.toISOString(),
    directory: source.id,
  };
  record.deployedSerial = v.serial;
  record.deployedAt = v.currentSince.toISOString();
  record.targets = { [source.id]: { serial: v.serial, at: now.toISOString() } };
  return true;
}

/**
 * The source's current version is expiring (pki/expiry.ts, the one rule: the policy's
 * expiringAlert, at most a fifth of the lifetime) and no newer version is on its way (a version
 * not valid yet that starts before this one ends is a successor). Pure: the clock is an argument.
 */
export function sourceExpiring(v: Pick<SourceVersion, 'notBefore' | 'notAfter' | 'skipped'>, policy: Pick<RenewalPolicy, 'expiringAlertMs'>, now: Date): { remainingDays: number } | undefined {
  if (!isExpiring(v, now, policy.expiringAlertMs)) return undefined;
  if (v.skipped.some((s) => s.notBefore && s.notBefore.getTime() < v.notAfter.getTime())) return undefined;
  return { remainingDays: Math.round(((v.notAfter.getTime() - now.getTime()) / 86_400_000) * 10) / 10 };
}

/**
 * The loop for one certificate: observe → decide → issue → check → deploy → verify → ready.
 * Each step stores its outcome before the next one starts, so a failure or a crash resumes from the
 * last recorded fact, with the same certificate: a later failure never causes a new order.
 */
import { X509Certificate } from 'node:crypto';
import { CertloopError, describeError, Interrupted, type Step } from '../errors.js';
import { sleep } from '../util/timers.js';
import { emit, progress } from '../observability/events.js';
import { reviewHealth } from './health.js';
import { generatePrivateKey, keyTypeOf } from '../acme/keys.js';
import { profileWishes } from '../acme/profile.js';
import { adoptFromTargets } from './adopt.js';
import { checkIssuedCertificate, describeCertificate, splitPem } from '../pki/certificate.js';
import { sameDomains } from '../pki/domains.js';
import type { CertificateBundle } from '../plugins.js';
import { decide } from '../policy/decide.js';
import { nextAttempt, retryStepOf } from '../policy/retry.js';
import type { Decision } from '../policy/types.js';
import { emptyRecord, setCondition, type CertificateRecord, type IssuedCertificate } from '../state/record.js';
import { NO_ENDPOINTS, UNVERIFIED_BY_CHOICE } from '../state/certificate-state.js';
import { observeRenewalInfo, replacesFor } from './renewal-info.js';
import { verificationState, verifyAlerts, type VerifyAlert } from '../verify/deadline.js';
import { verifyConfigKey } from '../verify/freshness.js';
import { freshness } from '../policy/freshness.js';
import { carriedVerification } from './fresh.js';
import { freshnessView } from '../state/freshness-view.js';
import { loadRoots, pollUntilServed, verifyEndpoints, type VerifySettings } from '../verify/verify.js';
import { settleOf } from '../verify/confirm.js';
import { companionsOf } from './companions.js';
import type { CertificateContext, CertificateOutcome, CertificateVerification, Verdict } from './types.js';

// Defined in ./types.js (shared with the modules this one calls); exported here as before.
export type { CertificateContext, CertificateOutcome, CertificateVerification, Verdict };

export async function reconcileCertificate(ctx: CertificateContext): Promise<CertificateOutcome> {
  const { config, store, log, now } = ctx;
  const name = config.name;

  // Observe: what we recorded last time. (The caller holds this certificate's lock.)
  const record = (await store.get(name)) ?? emptyRecord(name, now());
  await observeRenewalInfo(ctx, record);

  // Decide, after taking the lock: another process may just have done the work.
  const decision = decide({ record, domains: config.domains, force: ctx.force }, ctx.policy, now());
  log.info({ certificate: name, action: decision.action, reason: decision.reason }, decision.message);
  progress(ctx, 'decide', decision.action);
  const outcome: CertificateOutcome = { name, decision, verdict: 'ready', renewed: false, deployed: false };

  try {
    // Issue: a new certificate when due, forced, or resuming an unfinished order.
    if (decision.action === 'issue') {
      // First run: a target may already hold a valid certificate for these names (adopt.ts).
      if (decision.reason === 'NoCertificate' && !ctx.force && (await adoptFromTargets(ctx, record))) outcome.adopted = true;
      else {
        progress(ctx, 'issue');
        await issue(ctx, record, decision);
        outcome.renewed = true;
      }
    }

    // Check, then deploy whatever is issued but not everywhere yet.
    if (record.issued && record.deployedSerial !== record.issued.serial && !stopping(ctx, outcome)) {
      progress(ctx, 'deploy');
      await deploy(ctx, record);
      outcome.deployed = true;
    }

    // Verify: always, even when nothing changed, so drift (a rollback, a stale node) is seen;
    // with `--recheck due`, once per recheckInterval when nothing else is to do (fresh.ts).
    const view = ctx.recheck === 'due' && !outcome.deployed && !ctx.force ? freshnessView(record) : undefined;
    const fresh = view && freshness(view, { domains: config.domains, configKey: verifyConfigKey(config.verify) }, ctx.policy, now());
    if (fresh && typeof fresh !== 'string') {
      outcome.verification = carriedVerification(view!, fresh, now());
      outcome.alerts = [];
    } else if (record.deployedSerial && !stopping(ctx, outcome)) {
      progress(ctx, 'verify');
      outcome.verification = await verify(ctx, record, outcome.deployed);
      outcome.alerts = outcome.verification.alerts;
      outcome.verdict = verdictOf(outcome.verification);
    }

    // Waiting for a retry of a failed order is still a failing renewal: keep it visible.
    if (decision.action === 'wait' && outcome.verdict === 'ready') {
      outcome.verdict = 'waiting';
      const f = record.lastFailure!;
      outcome.error = { step: f.step as Step, code: f.code, message: f.message };
    }
  } catch (err) {
    // Shutdown cut a request or a wait short: nothing failed, the next run resumes from the record.
    if (err instanceof Interrupted || (ctx.signal?.aborted && err === ctx.signal.reason)) {
      stopping(ctx, outcome);
      log.info({ certificate: name }, 'stopped in the middle of a step: shutting down');
      progress(ctx, 'done', outcome.verdict);
      return finish(outcome, record);
    }
    const e = toCertloopError(err, name);
    await recordFailure(ctx, record, e);
    outcome.verdict = 'failed';
    outcome.error = { step: e.step ?? 'issue', code: e.code, message: e.message };
    log.error({ certificate: name, step: e.step, code: e.code, err: e.message }, `${e.step ?? 'run'} failed`);
  }
  await reviewHealth(ctx, record, outcome.verdict === 'ready');
  progress(ctx, 'done', outcome.verdict);
  return finish(outcome, record);
}

/** On shutdown, stop between steps: what is done is stored, the next run resumes from there. */
function stopping(ctx: CertificateContext, outcome: CertificateOutcome): boolean {
  if (!ctx.signal?.aborted) return false;
  outcome.verdict = 'pending';
  outcome.decision = { ...outcome.decision, message: `${outcome.decision.message} (stopped at a step boundary: shutting down)` };
  return true;
}

function finish(outcome: CertificateOutcome, record: CertificateRecord): CertificateOutcome {
  outcome.issuedSerial = record.issued?.serial;
  outcome.deployedSerial = record.deployedSerial;
  return outcome;
}

/** Issue from the CA the selector picks for each attempt (acme/ca-selection.ts). */
async function issue(ctx: CertificateContext, record: CertificateRecord, decision: Decision): Promise<void> {
  if (!ctx.ca) return issueFrom(ctx, record, decision);
  await ctx.ca.order(record, (directory, acmeClient) => issueFrom({ ...ctx, directory, acmeClient }, record, decision));
}

async function issueFrom(ctx: CertificateContext, record: CertificateRecord, decision: Decision): Promise<void> {
  const { config, store, log, now } = ctx;
  const name = config.name;

  // The key is generated and stored before the order is placed, so a crash cannot lose it.
  if (!record.pendingOrder || record.pendingOrder.directory !== ctx.directory || !sameDomains(record.pendingOrder.domains, config.domains)) {
    record.pendingOrder = {
      keyPem: reusableKey(ctx, record) ?? (await generatePrivateKey(config.key.type)),
      domains: [...config.domains],
      startedAt: now().toISOString(),
      directory: ctx.directory,
      reason: decision.reason,
    };
    await store.put(record);
  }
  const pending = record.pendingOrder;

  // acme-client is loaded when an order is placed, not by every run (trust.ts).
  const { asOneOrder, obtainCertificate } = await import('../acme/order.js');
  // The account and the order share one deadline (acme.orderTimeout), and shutdown cuts them short.
  const fullchainPem = await asOneOrder(`the order for ${name} at ${ctx.directory}`, ctx.signal, async () =>
    obtainCertificate(await ctx.acmeClient(), {
      certificate: name,
      domains: pending.domains,
      keyPem: pending.keyPem,
      orderUrl: pending.orderUrl,
      replaces: replacesFor(ctx, record),
      solver: await ctx.solver(),
      log,
      profiles: profileWishes({ certificate: name, profile: config.profile, policy: ctx.policy, acmeProfile: ctx.acmeProfile }),
      onOrderPlaced: async (url, profile) => {
        pending.orderUrl = url;
        pending.profile = profile;
        await store.put(record);
        ctx.onStep?.('order-placed');
      },
    }),
  );
  ctx.onStep?.('downloaded');

  const leaf = describeCertificate(new X509Certificate(splitPem(fullchainPem)[0] ?? fullchainPem));
  const issued: IssuedCertificate = {
    serial: leaf.serial,
    domains: pending.domains,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    fullchainPem,
    keyPem: pending.keyPem,
    issuedAt: now().toISOString(),
    directory: ctx.directory,
    orderUrl: pending.orderUrl,
    ...(pending.profile ? { profile: pending.profile } : {}),
  };
  if (record.issued && record.issued.serial === record.deployedSerial) record.previous = record.issued;
  record.issued = issued;
  record.ari = undefined;
  record.pendingOrder = undefined;
  record.lastFailure = undefined;
  setCondition(record, 'Issued', 'True', 'Issued', `certificate ${issued.serial} issued${issued.profile ? ` (profile ${issued.profile})` : ''}, valid until ${issued.notAfter}`, now());
  setCondition(record, 'Deployed', 'False', 'NotDeployed', `certificate ${issued.serial} is not deployed yet`, now());
  setCondition(record, 'Ready', 'False', 'Deploying', 'a new certificate is being deployed', now());
  await store.put(record);
  ctx.onStep?.('issued');
  await emit(ctx, { type: 'renewed', message: `issued ${issued.serial}, valid until ${issued.notAfter}`, data: { serial: issued.serial, notAfter: issued.notAfter, reason: decision.reason, ...(issued.profile ? { profile: issued.profile } : {}) } });
  log.info({ certificate: name, serial: issued.serial, notAfter: issued.notAfter }, 'certificate issued');
}

/**
 * With `key.reuse: true`, the key of the current certificate, for the renewal to keep; never a key
 * a revoked certificate had (after `certloop revoke` the replacement always gets a new key), nor
 * one of another type than configured now. Undefined: generate a new key (the default).
 */
function reusableKey(ctx: CertificateContext, record: CertificateRecord): string | undefined {
  const current = record.issued;
  if (!ctx.config.key.reuse || !current || keyTypeOf(current.keyPem) !== ctx.config.key.type) return undefined;
  const revoked = [record.issued, record.previous].filter((c) => c && record.revocations?.some((r) => r.serial === c.serial));
  return revoked.some((c) => c!.keyPem === current.keyPem) ? undefined : current.keyPem;
}

export async function deploy(ctx: CertificateContext, record: CertificateRecord): Promise<void> {
  const { config, store, log, now } = ctx;
  const issued = record.issued!;
  const name = config.name;

  // Check: a certificate that does not match its key, misses a name, is not valid now or lacks
  // its chain never reaches a server.
  const failed = checkIssuedCertificate(issued.fullchainPem, issued.keyPem, config.domains, now()).filter((c) => !c.ok);
  if (failed.length > 0) {
    record.rejectedSerial = issued.serial;
    throw new CertloopError('CERT_CHECK_FAILED', `certificate ${issued.serial} was not deployed: ${failed.map((c) => c.message).join('; ')}`, {
      certificate: name,
      step: 'check',
      retryable: false,
    });
  }

  const bundle = toBundle(name, issued);
  const targets = await ctx.targets();
  for (const [i, target] of targets.entries()) {
    // Targets already holding this serial (a resumed deploy) are not touched again.
    if (record.targets[target.id]?.serial === issued.serial) continue;
    log.info({ certificate: name, target: target.describe(), serial: issued.serial }, 'deploying');
    await target.deploy(bundle, { log, baseDir: ctx.baseDir });
    ctx.onStep?.('reload-done', i + 1);
    record.targets[target.id] = { serial: issued.serial, at: now().toISOString() };
    await store.put(record);
    ctx.onStep?.('target-deployed', i + 1);
  }
  record.deployedSerial = issued.serial;
  record.deployedAt = now().toISOString();
  record.lastFailure = undefined;
  setCondition(record, 'Deployed', 'True', 'Deployed', `certificate ${issued.serial} deployed to ${Object.keys(record.targets).length} target(s)`, now());
  await store.put(record);
  await emit(ctx, { type: 'deployed', message: `deployed ${issued.serial} to ${targets.length} target(s)`, data: { serial: issued.serial, targets: targets.map((t) => t.describe()) } });
}

/**
 * Probes the endpoints and judges the result against the record; unless `record` is false (a
 * `certloop verify` beside a process that holds the lease: report only), stores it and announces
 * the transitions.
 */
export async function verify(ctx: CertificateContext, record: CertificateRecord, justDeployed: boolean, opts: { record?: boolean } = {}): Promise<CertificateVerification> {
  const { config, store, log, now } = ctx;
  const name = config.name;
  const serial = record.deployedSerial!;
  const endpoints = config.verify.endpoints;
  if (endpoints.length === 0) return unobserved(ctx, record, opts);
  const settings = { ...verifySettings(ctx, record), companions: await companionsOf(store, config) };
  // Right after a deploy (or rollback), the agreement must hold for verify.settle (confirm.ts);
  // polling waits end at once on shutdown (issue 16: SIGTERM waited 58 s for a poll to finish).
  const onReset = (message: string) => log.warn({ certificate: name, serial }, message);
  const outcome = justDeployed
    ? await pollUntilServed(endpoints, serial, config.verify.timeout, config.verify.pollFor, (ms) => sleep(ms, ctx.signal), settings, { settleMs: settleOf(config.verify), onReset })
    : await verifyEndpoints(endpoints, serial, config.verify.timeout, settings);

  // Pending until the deadline, then overdue; served-then-not is drift (src/verify/deadline.ts).
  const state = verificationState({
    previous: record.lastVerification,
    serial,
    verified: outcome.verified,
    deployedAt: record.deployedAt,
    deadlineMs: config.verify.deadline ?? ctx.policy.verifyDeadlineMs,
    now: now(),
  });
  ctx.onStep?.('mid-verify');
  record.lastVerification = {
    serial,
    at: now().toISOString(),
    verified: outcome.verified,
    results: outcome.results,
    notServedSince: state.notServedSince,
    drift: state.drift || undefined,
    overdueSince: state.overdueSince,
    configKey: verifyConfigKey(config.verify),
  };
  const alerts = verifyAlerts(serial, state, outcome.summary, outcome.problems);
  if (outcome.verified) {
    setCondition(record, 'Verified', 'True', 'Served', outcome.summary, now());
    if (alerts.length === 0) setCondition(record, 'Ready', 'True', 'Ready', `certificate ${serial} is deployed and served everywhere`, now());
    else setCondition(record, 'Ready', 'False', alerts[0].reason, alerts.map((a) => a.message).join('; '), now());
  } else {
    const reason = state.drift ? 'Drift' : state.overdue ? 'Overdue' : 'NotServed';
    setCondition(record, 'Verified', 'False', reason, outcome.summary, now());
    setCondition(
      record,
      'Ready',
      'False',
      state.drift ? 'Drift' : state.overdue ? 'Overdue' : 'Pending',
      state.drift || state.overdue ? alerts[0].message : `waiting for every endpoint to serve ${serial} (deadline ${state.deadline})`,
      now(),
    );
  }
  if (opts.record === false) return Object.assign(outcome, { alerts, state });
  await store.put(record);
  // One event per transition (src/verify/deadline.ts); `recovered` is announced by settle() once
  // the certificate is Ready again, whatever problem was open.
  if (state.transition) {
    if (state.transition === 'drift') {
      const mismatches = outcome.results.filter((r) => !r.ok).map((r) => ({ endpoint: r.endpoint, address: r.address, served: r.served }));
      await emit(ctx, { type: 'drift_detected', message: `drift: ${outcome.summary}`, data: { expected: serial, mismatches } });
    } else if (state.transition === 'overdue') {
      const message = alerts.find((a) => a.reason === 'Overdue')!.message;
      await emit(ctx, { type: 'verify_overdue', message, data: { serial, deployedAt: record.deployedAt, deadline: state.deadline, summary: outcome.summary } });
    } else {
      await emit(ctx, { type: 'verified', message: outcome.summary, data: { serial, summary: outcome.summary } });
    }
  }
  const level = outcome.verified ? (alerts.length ? 'warn' : 'info') : alerts.length ? 'error' : 'warn';
  log[level]({ certificate: name, serial, verified: outcome.verified, alerts: alerts.map((a) => a.reason) }, outcome.summary);
  return Object.assign(outcome, { alerts, state });
}

/**
 * A certificate without endpoints: nothing observes what is served, so a deploy is never
 * confirmed. It stays Deployed, not Ready, with an alert that says so (issue 15: it used to be
 * Ready and `verify` exited 0), unless the config says `unverified: true`: Ready, unverified by
 * choice, no alert. No events either way: nothing changed that a probe could see.
 */
async function unobserved(ctx: CertificateContext, record: CertificateRecord, opts: { record?: boolean } = {}): Promise<CertificateVerification> {
  const { config, store, log, now } = ctx;
  const serial = record.deployedSerial!;
  const byChoice = config.verify.unverified === true;
  const summary = byChoice
    ? `unverified by choice (verify.unverified: true): nothing confirms that ${serial} is served`
    : `no endpoints configured: nothing confirms that ${serial} is served (list verify.endpoints, or set verify.unverified: true)`;
  record.lastVerification = { serial, at: now().toISOString(), verified: false, results: [], configKey: verifyConfigKey(config.verify) };
  setCondition(record, 'Verified', 'Unknown', byChoice ? UNVERIFIED_BY_CHOICE : NO_ENDPOINTS, summary, now());
  setCondition(
    record,
    'Ready',
    byChoice ? 'True' : 'False',
    byChoice ? UNVERIFIED_BY_CHOICE : NO_ENDPOINTS,
    byChoice ? `certificate ${serial} is deployed; unverified by choice` : `certificate ${serial} is deployed, but ${summary}`,
    now(),
  );
  if (opts.record !== false) await store.put(record);
  const alerts: VerifyAlert[] = byChoice ? [] : [{ reason: NO_ENDPOINTS, message: `certificate ${serial} is deployed, but ${summary}` }];
  log[byChoice ? 'info' : 'warn']({ certificate: config.name, serial, verified: false, alerts: alerts.map((a) => a.reason) }, summary);
  return { verified: false, results: [], summary, problems: [], probes: [], alerts, state: { overdue: false, drift: false }, unverified: byChoice ? 'by-choice' : 'no-endpoints' };
}

/** What a verification leaves the certificate as: served everywhere, pending, or deployed without endpoints. */
export function verdictOf(v: CertificateVerification): Verdict {
  if (v.unverified) return v.unverified === 'by-choice' ? 'ready' : 'deployed';
  return v.verified ? 'ready' : 'pending';
}

function verifySettings(ctx: CertificateContext, record: CertificateRecord): VerifySettings {
  const { config } = ctx;
  let roots;
  try {
    roots = loadRoots(config.verify.trust);
  } catch (err) {
    throw new CertloopError('VERIFY_FAILED', `cannot read verify.trust ${config.verify.trust}: ${(err as NodeJS.ErrnoException).code ?? describeError(err)}`, {
      certificate: config.name,
      step: 'verify',
      cause: err,
    });
  }
  return {
    resolver: config.verify.resolver,
    roots,
    expiringAlertMs: ctx.policy.expiringAlertMs,
    // The certificate the deployed one replaced, so a stale address is named as such.
    previousSerial: record.issued?.serial === record.deployedSerial ? record.previous?.serial : undefined,
    now: ctx.now,
    limit: ctx.probeLimit,
    samples: config.verify.samples,
  };
}

export async function recordFailure(ctx: CertificateContext, record: CertificateRecord, e: CertloopError): Promise<void> {
  const { store, now, policy, config } = ctx;
  const step = e.step ?? 'issue';
  const stepGroup = step === 'reload' ? 'deploy' : step;
  const attempts = record.lastFailure?.step === stepGroup ? record.lastFailure.attempts + 1 : 1;
  record.lastFailure = {
    step: stepGroup,
    code: e.code,
    message: e.message,
    at: now().toISOString(),
    attempts,
    nextAttemptAt: nextAttempt(policy, attempts, now(), e.retryAfterSeconds, retryStepOf(stepGroup)).toISOString(),
  };
  // A source that cannot be read (observe) leaves unknown what should be served: the Issued condition.
  const condition = stepGroup === 'issue' || stepGroup === 'observe' ? 'Issued' : stepGroup === 'verify' ? 'Verified' : 'Deployed';
  const reason = ({ issue: 'IssueFailed', check: 'CheckFailed', verify: 'VerifyFailed', observe: 'SourceFailed' } as Record<string, string>)[stepGroup] ?? 'DeployFailed';
  setCondition(record, condition, 'False', reason, e.message, now());
  setCondition(record, 'Ready', 'False', reason, e.message, now());
  try {
    await store.put(record);
  } catch (err) {
    ctx.log.error({ certificate: config.name, err: describeError(err) }, 'cannot record the failure in the state store');
  }
  // Name the step unless the error already does ("reload failed: …").
  const message = e.message.startsWith(`${step} failed`) ? e.message : `${step} failed: ${e.message}`;
  await emit(ctx, { type: 'failed', message, data: { step, code: e.code, error: e.message, attempts } });
}

export function toBundle(name: string, issued: IssuedCertificate): CertificateBundle {
  const [certPem, ...chain] = splitPem(issued.fullchainPem);
  return {
    name,
    serial: issued.serial,
    domains: issued.domains,
    notAfter: new Date(issued.notAfter),
    certPem,
    chainPem: chain.join(''),
    fullchainPem: issued.fullchainPem,
    keyPem: issued.keyPem,
    issuedAt: new Date(issued.issuedAt),
  };
}

export function toCertloopError(err: unknown, certificate: string): CertloopError {
  if (err instanceof CertloopError) {
    if (err.certificate) return err;
    return new CertloopError(err.code, err.message, { certificate, step: err.step, cause: err.cause, retryable: err.retryable, retryAfterSeconds: err.retryAfterSeconds });
  }
  return new CertloopError('STATE_FAILED', describeError(err), { certificate, step: 'state', cause: err });
}

/**
 * `certloop verify NAME`: check the endpoints now against the deployed serial, and record it
 * (the caller holds the lease), or with `record: false` only report it.
 */
export async function verifyOnly(ctx: CertificateContext, opts: { record?: boolean } = {}): Promise<CertificateOutcome> {
  const record = (await ctx.store.get(ctx.config.name)) ?? emptyRecord(ctx.config.name, ctx.now());
  const decision: Decision = { action: 'verify', reason: 'Manual', message: 'verification requested' };
  const outcome: CertificateOutcome = { name: ctx.config.name, decision, verdict: 'ready', renewed: false, deployed: false };
  if (!record.deployedSerial) {
    outcome.verdict = 'failed';
    outcome.error = { step: 'verify', code: 'VERIFY_FAILED', message: 'nothing deployed yet: run `certloop run` first' };
    return finish(outcome, record);
  }
  outcome.verification = await verify(ctx, record, false, opts);
  outcome.alerts = outcome.verification.alerts;
  outcome.verdict = verdictOf(outcome.verification);
  if (opts.record === false) return finish(outcome, record);
  await reviewHealth(ctx, record, outcome.verdict === 'ready');
  return finish(outcome, record);
}

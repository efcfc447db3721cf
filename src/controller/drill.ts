/**
 * The near-expiry fire drill: prove that renewal would work, now, without touching production.
 * With the clock set to the moment the policy would renew, the real pipeline (decide → issue →
 * check → deploy) runs against the staging directory, on a throwaway copy of the certificate's
 * record, deploying to drill copies beside the real files; then every endpoint is checked to
 * still serve the last deployed serial. Each step reports pass or fail with the reason.
 */
import { getJson } from '../acme/http-get.js';
import { accountClient, trustAcmeServer } from '../acme/client.js';
import { configureAcmeTimeouts } from '../acme/timeouts.js';
import type { LoadedConfig } from '../config/load.js';
import { DIRECTORY_ALIASES, type CertificateConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { isDrillable, type DrillCopy, type Target } from '../plugins.js';
import { decide } from '../policy/decide.js';
import { DEFAULT_POLICY } from '../policy/defaults.js';
import { MemoryStore } from '../state/memory.js';
import { emptyRecord, type CertificateRecord } from '../state/record.js';
import type { StateStore } from '../state/store.js';
import { companionsOf } from './companions.js';
import { verifyEndpoints } from '../verify/verify.js';
import { createSolver, createTarget } from '../../providers/registry.js';
import { reconcileCertificate } from './certificate.js';
import { policyFor } from './run.js';

export type DrillStepName = 'schedule' | 'staging' | 'issue' | 'check' | 'deploy' | 'cleanup' | 'endpoints';

export interface DrillStep {
  step: DrillStepName;
  status: 'pass' | 'fail' | 'skip';
  message: string;
}

export interface DrillReport {
  name: string;
  /** The simulated time the pipeline ran at. */
  at: string;
  directory: string | null;
  /** Serial the staging CA issued in the drill. */
  drillSerial: string | null;
  /** Serial the endpoints were expected to serve (the last deployed one). */
  deployedSerial: string | null;
  passed: boolean;
  steps: DrillStep[];
}

export interface DrillOptions {
  config: LoadedConfig;
  cert: CertificateConfig;
  store: StateStore;
  log: Logger;
  /** Simulated time; default: when the policy would renew the current certificate (or now). */
  at?: Date;
  now?: () => Date;
}

const LE_PRODUCTION = DIRECTORY_ALIASES.letsencrypt;

/** Where drills order from: acme.staging, or Let's Encrypt staging for Let's Encrypt production. */
export function stagingDirectory(config: LoadedConfig): string | undefined {
  return config.acme.staging ?? (config.acme.directory === LE_PRODUCTION ? DIRECTORY_ALIASES['letsencrypt-staging'] : undefined);
}

export async function drillCertificate(opts: DrillOptions): Promise<DrillReport> {
  const { config, cert, store, log } = opts;
  const realNow = (opts.now ?? (() => new Date()))();
  const policy = policyFor(cert);
  const stored = await store.get(cert.name);
  const steps: DrillStep[] = [];
  const add = (step: DrillStepName, status: DrillStep['status'], message: string) => {
    steps.push({ step, status, message });
    log[status === 'fail' ? 'warn' : 'info']({ certificate: cert.name, drill: step, status }, message);
  };

  // A clean copy: the drill asks "would renewal work", not "is a retry due"; an unfinished
  // production order must never be resumed by a drill.
  const copy: CertificateRecord = structuredClone(stored ?? emptyRecord(cert.name, realNow));
  copy.version = 0;
  delete copy.pendingOrder;
  delete copy.lastFailure;
  delete copy.rejectedSerial;

  // Schedule: the clock goes to the moment the policy would renew (never before now).
  const renewAt = decide({ record: copy, domains: cert.domains }, policy, realNow).renewAt;
  const at = opts.at ?? (renewAt && renewAt > realNow ? renewAt : realNow);
  const decision = decide({ record: copy, domains: cert.domains }, policy, at);
  if (decision.action === 'issue') add('schedule', 'pass', `a run at ${at.toISOString()} renews: ${decision.message}${decision.source ? ` [${decision.source}]` : ''}`);
  else add('schedule', 'fail', `a run at ${at.toISOString()} would not renew (${decision.action}: ${decision.message}); the drill renews anyway`);

  const report: DrillReport = {
    name: cert.name,
    at: at.toISOString(),
    directory: stagingDirectory(config) ?? null,
    drillSerial: null,
    deployedSerial: stored?.deployedSerial ?? null,
    passed: false,
    steps,
  };

  await runPipeline(opts, copy, at, decision.action !== 'issue', add, report);
  await checkEndpoints(cert, stored, store, add);

  report.passed = steps.every((s) => s.status !== 'fail');
  await store
    .addEvent({
      certificate: cert.name,
      at: realNow.toISOString(),
      type: 'drill',
      message: report.passed ? 'drill passed' : `drill failed: ${steps.filter((s) => s.status === 'fail').map((s) => `${s.step}: ${s.message}`).join('; ')}`,
      data: { passed: report.passed, at: report.at, steps: steps.map((s) => ({ step: s.step, status: s.status })) },
    })
    .catch((err: unknown) => log.warn({ certificate: cert.name, err: describeError(err) }, 'cannot record the drill in the history'));
  return report;
}

type Add = (step: DrillStepName, status: DrillStep['status'], message: string) => void;

async function runPipeline(opts: DrillOptions, copy: CertificateRecord, at: Date, force: boolean, add: Add, report: DrillReport): Promise<void> {
  const { config, cert, store, log } = opts;
  const directory = stagingDirectory(config);
  const skipRest = (why: string) => (['issue', 'check', 'deploy'] as const).forEach((s) => add(s, 'skip', why));
  if (!directory) {
    add('staging', 'fail', 'no staging directory: set acme.staging (for a private CA or Pebble, its own directory)');
    return skipRest('skipped: no staging directory');
  }
  try {
    trustAcmeServer(config.acme.caBundle);
    configureAcmeTimeouts(config.acme);
    const res = await getJson(directory);
    if (res.status !== 200 || typeof (res.json as { newOrder?: unknown } | undefined)?.newOrder !== 'string') throw new Error(`HTTP ${res.status}, not an ACME directory`);
    add('staging', 'pass', `staging directory ${directory} answers`);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    add('staging', 'fail', `cannot reach the staging directory ${directory}: ${e.code ?? e.message}`);
    return skipRest('skipped: the staging directory is unreachable');
  }

  // Drill copies of every target; a target that cannot be copied fails the drill (it is unproven).
  const copies: (Target & DrillCopy)[] = [];
  const notDrillable: string[] = [];
  for (const t of cert.targets ?? []) {
    const target = await createTarget(t, cert.name);
    if (isDrillable(target)) copies.push(target.drillCopy());
    else notDrillable.push(target.describe());
  }

  const memory = new MemoryStore(store);
  if (copy.issued || copy.deployedSerial) await memory.put(copy);
  try {
    const outcome = await reconcileCertificate({
      // Endpoints are checked separately, against what production deployed (nothing serves a
      // drill copy: no endpoints, unverified by choice, no polling).
      config: { ...cert, verify: { ...cert.verify, endpoints: [], unverified: true, pollFor: 0 } },
      policy: policyFor(cert),
      store: memory,
      log,
      baseDir: config.baseDir,
      directory,
      now: () => at,
      acmeClient: () => accountClient({ directory, email: config.acme.email, store }),
      solver: () => createSolver(cert.challenge!, cert.name),
      targets: async () => copies,
      force,
      drill: true,
    });
    const after = await memory.get(cert.name);
    const issued = after?.issued && after.issued.serial !== copy.issued?.serial ? after.issued : undefined;
    report.drillSerial = issued?.serial ?? null;
    const failedStep = outcome.error?.step;
    if (!issued) {
      add('issue', 'fail', outcome.error ? outcome.error.message : `nothing was issued (${outcome.decision.message})`);
      add('check', 'skip', 'skipped: nothing issued');
      add('deploy', 'skip', 'skipped: nothing issued');
    } else if (failedStep === 'check') {
      add('issue', 'pass', `staging issued ${issued.serial}, valid until ${issued.notAfter}`);
      add('check', 'fail', outcome.error!.message);
      add('deploy', 'skip', 'skipped: the certificate failed its checks');
    } else {
      add('issue', 'pass', `staging issued ${issued.serial}, valid until ${issued.notAfter}`);
      add('check', 'pass', 'matches its key, covers every domain, valid at the drill time, chain complete');
      if (outcome.error) add('deploy', 'fail', outcome.error.message);
      else if (copies.length > 0) add('deploy', 'pass', `deployed to ${copies.map((c) => c.describe()).join('; ')}`);
    }
    for (const d of notDrillable) add('deploy', 'fail', `${d} cannot be deployed to a drill copy; this target is not proven by the drill`);
  } finally {
    const problems: string[] = [];
    for (const c of copies) await c.removeDrillCopy().catch((err: unknown) => problems.push(`${c.describe()}: ${describeError(err)}`));
    if (copies.length > 0) add('cleanup', problems.length ? 'fail' : 'pass', problems.length ? `could not remove ${problems.join('; ')}` : 'drill copies removed');
  }
}

async function checkEndpoints(cert: CertificateConfig, stored: CertificateRecord | undefined, store: StateStore, add: Add): Promise<void> {
  const endpoints = cert.verify.endpoints;
  if (endpoints.length === 0) {
    // As in a run: without endpoints nothing confirms a deploy, unless that is the config's choice.
    return cert.verify.unverified
      ? add('endpoints', 'skip', 'unverified by choice (verify.unverified: true): no endpoints to check')
      : add('endpoints', 'fail', 'no endpoints configured: nothing would confirm that a renewed certificate is served (list verify.endpoints, or set verify.unverified: true)');
  }
  const serial = stored?.deployedSerial;
  if (!serial) return add('endpoints', 'fail', 'nothing deployed yet: run `certloop run` first, then drill');
  // The default policy's not-expiring threshold, as the drill has always judged with (verify.ts's old default).
  const settings = { samples: cert.verify.samples, companions: await companionsOf(store, cert), expiringAlertMs: DEFAULT_POLICY.expiringAlertMs };
  const outcome = await verifyEndpoints(endpoints, serial, cert.verify.timeout, settings);
  add('endpoints', outcome.verified ? 'pass' : 'fail', outcome.verified ? `${outcome.summary} (the last deployed serial)` : `${outcome.summary} (expected the last deployed serial)`);
}

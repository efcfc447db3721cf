/** `certloop status`: what certloop knows about each certificate and what it will do next. */
import { caEndpoints } from '../../acme/ca-selection.js';
import type { AcmeConfig, CertificateConfig } from '../../config/schema.js';
import { policyFor } from '../../controller/run.js';
import { decide } from '../../policy/decide.js';
import { currentVerificationState } from '../../verify/deadline.js';
import { readLastDrill, type DrillResult } from '../../state/drill-result.js';
import type { CertificateRecord, ConditionType } from '../../state/record.js';
import { certificateState, unverifiedOf, type CertificateState } from '../../state/certificate-state.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';
import { relative, shortSerial } from '../format.js';
import { observeTargets, type ObservedTarget } from '../observe-targets.js';
import { readWatchDocument } from '../../watch/record.js';
import { watchedViews } from '../../watch/view.js';
import { watchedLine } from '../watch-format.js';

const CONDITIONS: ConditionType[] = ['Issued', 'Deployed', 'Verified', 'Ready'];

export async function statusCommand(opts: GlobalOptions & { names?: string[] }): Promise<number> {
  return withContext(opts, async ({ config, store, log }) => {
    const now = new Date();
    const certs = opts.names ? config.certificates.filter((c) => opts.names!.includes(c.name)) : config.certificates;
    const entries = await Promise.all(
      certs.map(async (c) => ({
        ...statusOf(c, await store.get(c.name), now, config.acme),
        targets: await observeTargets(c, log, config.baseDir),
        lastDrill: (await readLastDrill(store, c.name)) ?? null,
      })),
    );
    // Watched endpoints (issue 18): as the last sweep saw them.
    const watched = config.watch ? watchedViews(await readWatchDocument(store), config.watch, now).filter((v) => !opts.names || opts.names.includes(v.name)) : [];
    if (opts.json) printJson({ at: now.toISOString(), certificates: entries, ...(config.watch ? { watched } : {}) });
    else {
      entries.forEach((e, i) => printStatus(e, now, i > 0));
      if (watched.length > 0) {
        if (entries.length > 0) print();
        print(`Watched (${watched.length})`);
        for (const v of watched) print(`  ${watchedLine(v, now).replace(/\n/g, '\n  ')}`);
      }
    }
    return entries.every((e) => e.state === 'Ready') && watched.every((v) => v.state === 'ok') ? EXIT.OK : EXIT.FAILED;
  });
}

export type StatusState = CertificateState;

export function statusOf(cert: CertificateConfig, record: CertificateRecord | undefined, now: Date, acme?: AcmeConfig) {
  const decision = decide({ record, domains: cert.domains }, policyFor(cert), now);
  const v = record?.lastVerification;
  const unverified = unverifiedOf(record);
  // Nothing observed, nothing pending: the state says why (Deployed, or unverified by choice).
  const pending = v && v.serial === record?.deployedSerial && !unverified ? currentVerificationState(v, cert.verify.deadline ?? policyFor(cert).verifyDeadlineMs, now) : undefined;
  const state: StatusState = certificateState(record);
  return {
    name: cert.name,
    domains: cert.domains,
    state,
    serials: {
      issued: record?.issued?.serial ?? null,
      deployed: record?.deployedSerial ?? null,
      // Every serial any connection got (a pool or a second certificate may serve several per address).
      served: v ? [...new Set(v.results.flatMap((r) => (r.samples?.some((x) => x.served) ? r.samples.flatMap((x) => (x.served ? [x.served] : [])) : [r.served ?? null])))] : [],
    },
    notBefore: record?.issued?.notBefore ?? null,
    notAfter: record?.issued?.notAfter ?? null,
    renewAt: decision.renewAt?.toISOString() ?? null,
    renewSource: decision.renewSource ?? null,
    next: { action: decision.action, reason: decision.reason, message: decision.message, retryAt: decision.retryAt?.toISOString() ?? null },
    conditions: CONDITIONS.map((type) => ({ type, ...(record?.conditions[type] ?? { status: 'Unknown', reason: 'NotStarted', message: '', since: null }) })),
    endpoints: v?.results ?? [],
    lastVerifiedAt: v?.at ?? null,
    verification: {
      pendingSince: pending?.notServedSince ?? null,
      deadline: pending?.deadline ?? null,
      overdue: pending?.overdue ?? false,
      drift: pending?.drift ?? false,
      /** `no-endpoints` (state Deployed) or `by-choice` (verify.unverified: true) when nothing observes what is served. */
      unverified: unverified ?? null,
      /** Failed checks other than the serial on what the endpoints serve (each one an alert). */
      problems: (v?.results ?? []).flatMap((r) => (r.checks ?? []).filter((c) => !c.ok && c.name !== 'serial').map((c) => ({ endpoint: r.endpoint, address: r.address, check: c.name, message: c.message }))),
    },
    lastFailure: record?.lastFailure ?? null,
    /** Set while a `certloop rollback` is in place: { serial, from, at }. */
    rollback: record?.rollback && record.rollback.serial === record.deployedSerial ? record.rollback : null,
    /** The CA that issued the current certificate; `fallback` is 0 for the primary, N for acme.fallback[N-1]. */
    ca: record?.issued ? caOf(record.issued.directory, acme) : null,
    /** CA-side failures since the last successful order, per directory. */
    caFailures: record?.caFailures ?? {},
  };
}

function caOf(directory: string, acme: AcmeConfig | undefined) {
  const found = acme ? caEndpoints(acme).find((e) => e.directory === directory) : undefined;
  return { directory, label: found?.label ?? 'no longer configured', fallback: found?.index ?? null };
}

function printStatus(s: ReturnType<typeof statusOf> & { lastDrill?: DrillResult | null; targets?: ObservedTarget[] }, now: Date, gap: boolean): void {
  if (gap) print();
  print(`${s.name}  ${s.state}${s.verification.unverified === 'by-choice' ? ' (unverified by choice)' : ''}  (${s.domains.join(', ')})`);
  print(`  serial    issued ${shortSerial(s.serials.issued ?? undefined)}  deployed ${shortSerial(s.serials.deployed ?? undefined)}  served ${s.serials.served.map((x) => shortSerial(x ?? undefined)).join(', ') || '-'}`);
  if (s.notAfter) print(`  expires   ${s.notAfter} (${relative(s.notAfter, now)})`);
  if (s.renewAt) print(`  renews    ${s.renewAt} (${relative(s.renewAt, now)}, ${s.renewSource})`);
  for (const c of s.conditions) print(`  ${c.type.padEnd(9)} ${c.status.padEnd(7)} ${c.reason}${c.message ? `: ${c.message}` : ''}`);
  for (const t of s.targets ?? []) print(`  target    ${t.target} holds ${t.error ? `? (${t.error})` : `${shortSerial(t.serial ?? undefined)}${t.version ? ` (version ${t.version})` : ''}`}`);
  for (const r of s.endpoints) {
    const note = r.servedIs === 'previous' ? ' (the previous certificate)' : '';
    const what = r.detail ?? `serves ${r.served ?? '-'}${note}${r.error ? ` (${r.error})` : ''}`;
    print(`  endpoint  ${r.ok ? 'ok   ' : 'STALE'} ${r.endpoint} ${r.address} ${what}`);
  }
  const v = s.verification;
  if (v.drift) print(`  DRIFT     served everywhere before, not since ${v.pendingSince}`);
  else if (v.overdue) print(`  OVERDUE   not served everywhere since ${v.pendingSince}; deadline was ${v.deadline}`);
  else if (v.deadline) print(`  pending   since ${v.pendingSince}; overdue at ${v.deadline} (${relative(v.deadline, now)})`);
  for (const p of v.problems) print(`  PROBLEM   ${p.check} ${p.endpoint} ${p.address}: ${p.message}`);
  if (s.ca) print(`  ca        ${s.ca.directory} (${s.ca.label})`);
  if (s.rollback) print(`  rollback  to ${shortSerial(s.rollback.serial)} from ${shortSerial(s.rollback.from)} at ${s.rollback.at}`);
  const d = s.lastDrill;
  if (d) print(d.passed ? `  drill     passed ${d.at} (${relative(d.at, now)}, ${d.trigger})` : `  DRILL     failed ${d.at} (${relative(d.at, now)}, ${d.trigger}) at ${d.failedStep}: ${d.reason}${d.failingSince && d.failingSince !== d.at ? `; failing since ${d.failingSince}` : ''}`);
  if (s.lastFailure) print(`  failure   ${s.lastFailure.step}: ${s.lastFailure.message} (attempt ${s.lastFailure.attempts}, ${relative(s.lastFailure.at, now)}${s.lastFailure.nextAttemptAt ? `; next attempt ${s.lastFailure.nextAttemptAt}, ${relative(s.lastFailure.nextAttemptAt, now)}` : ''})`);
  print(`  next      ${s.next.action}: ${s.next.message}`);
}

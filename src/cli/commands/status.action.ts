/** `certloop status`: what certloop knows about each certificate and what it will do next. */
import { readLastDrill, type DrillResult } from '../../state/drill-result.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';
import { relative, shortSerial } from '../format.js';
import { observeTargets, type ObservedTarget } from '../../report/observe-targets.js';
import { statusOf, type CertificateStatus } from '../../report/status.js';
import { readWatchDocument } from '../../watch/record.js';
import { watchedViews } from '../../watch/view.js';
import { watchedLine } from '../watch-format.js';

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

function printStatus(s: CertificateStatus & { lastDrill?: DrillResult | null; targets?: ObservedTarget[] }, now: Date, gap: boolean): void {
  if (gap) print();
  print(`${s.name}  ${s.state}${s.verification.unverified === 'by-choice' ? ' (unverified by choice)' : ''}  (${s.domains.join(', ')})`);
  print(`  serial    issued ${shortSerial(s.serials.issued ?? undefined)}  deployed ${shortSerial(s.serials.deployed ?? undefined)}  served ${s.serials.served.map((x) => shortSerial(x ?? undefined)).join(', ') || '-'}`);
  if (s.notAfter) print(`  expires   ${s.notAfter} (${relative(s.notAfter, now)})`);
  if (s.profile) print(`  profile   ${s.profile}`);
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
  if (s.revoked) print(`  REVOKED   ${shortSerial(s.revoked.serial)} (${s.revoked.reason}) at ${s.revoked.at}, signed with the ${s.revoked.signedWith.replace('-', ' ')}`);
  if (s.source) {
    const v = s.source.version ? `: version ${s.source.version}, current since ${s.source.currentSince}, read ${s.source.readAt}` : ': not read yet';
    print(`  source    ${s.source.description}${v} (certloop does not issue it)`);
    for (const k of s.source.skipped ?? []) print(`  skipped   version ${k.version}: ${k.reason}`);
  }
  if (s.rollback) print(`  rollback  to ${shortSerial(s.rollback.serial)} from ${shortSerial(s.rollback.from)} at ${s.rollback.at}`);
  const d = s.lastDrill;
  if (d) print(d.passed ? `  drill     passed ${d.at} (${relative(d.at, now)}, ${d.trigger})` : `  DRILL     failed ${d.at} (${relative(d.at, now)}, ${d.trigger}) at ${d.failedStep}: ${d.reason}${d.failingSince && d.failingSince !== d.at ? `; failing since ${d.failingSince}` : ''}`);
  if (s.lastFailure) print(`  failure   ${s.lastFailure.step}: ${s.lastFailure.message} (attempt ${s.lastFailure.attempts}, ${relative(s.lastFailure.at, now)}${s.lastFailure.nextAttemptAt ? `; next attempt ${s.lastFailure.nextAttemptAt}, ${relative(s.lastFailure.nextAttemptAt, now)}` : ''})`);
  print(`  next      ${s.next.action}: ${s.next.message}`);
}

/** `certloop run` and `certloop renew NAME... [--force]`: a reconciliation pass, printed. */
import { caEndpoints, resolveCaSpec } from '../../acme/ca-selection.js';
import { runOnce, type RunSummary } from '../../controller/run.js';
import { writeMetricsFile } from '../../observability/metrics.js';
import { createObservers } from '../../report/observers.js';
import { ProgressLines } from '../progress.js';
import type { CertificateOutcome } from '../../controller/certificate.js';
import { CertloopError } from '../../errors.js';
import { sourceLabel } from '../../config/schema.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';
import { shortSerial, VERDICT_MARK } from '../format.js';
import { NO_ENDPOINTS } from '../../state/certificate-state.js';
import { ChunkedOutput } from '../output.js';
import { parseShard } from '../../controller/shard.js';
import type { Recheck } from '../../verify/freshness.js';
import { sourceLines, sweepJson, sweepSummaryLine, watchedLine } from '../watch-format.js';

export async function runCommand(
  opts: GlobalOptions & { names?: string[]; force?: boolean; ca?: string; metricsFile?: string; shard?: string; recheck?: Recheck },
): Promise<number> {
  // Parsed before the config is loaded: a wrong --shard is a usage error whatever the config says.
  const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
  return withContext(opts, async ({ config, store, log }) => {
    if (shard) log.info({ shard: `${shard.index}/${shard.count}` }, `working on shard ${shard.index} of ${shard.count}`);
    if (opts.names) {
      const known = new Set(config.certificates.map((c) => c.name));
      const unknown = opts.names.filter((n) => !known.has(n));
      if (unknown.length > 0) {
        throw new CertloopError('USAGE', `no certificate named ${unknown.join(', ')} in ${config.file} (known: ${[...known].join(', ')})`, { retryable: false });
      }
      // Issue 18 §3: nothing to force for a certificate certloop does not issue.
      const sourced = config.certificates.filter((c) => c.source && opts.names!.includes(c.name));
      if (opts.force && sourced.length > 0) {
        throw new CertloopError(
          'USAGE',
          sourced
            .map((c) => `certloop does not issue ${c.name}: its source is ${sourceLabel(c)}. Renew it there (Key Vault's own CA integration, or whatever writes it); \`certloop renew ${c.name}\` without --force reads the latest enabled version and verifies the endpoints serve it`)
            .join('\n'),
          { retryable: false },
        );
      }
    }
    const progress = !opts.json && process.stdout.isTTY;
    const observers = createObservers(config, store, log);
    const names = (opts.names ?? config.certificates.map((c) => c.name));
    const lines = progress && ProgressLines.fits(process.stdout, names.length) ? new ProgressLines(process.stdout, names) : undefined;
    if (lines) observers.bus.onProgress((name, step, detail) => lines.step(name, step, detail));
    const summary = await runOnce({
      config,
      store,
      log,
      names: opts.names,
      force: opts.force,
      ca: opts.ca ? resolveCaSpec(opts.ca, caEndpoints(config.acme)) : undefined,
      events: observers.bus,
      shard,
      recheck: opts.recheck,
      onStep: opts.onStep,
      onOutcome: progress ? (o) => (lines ? lines.set(o.name, outcomeLine(o)) : print(outcomeLine(o))) : undefined,
    });
    // Watched endpoints ride along with a full run (issue 18); one shard sweeps them, renew never does.
    const sweepNow = config.watch && !opts.names && (!shard || shard.index === 0);
    // Loaded only when there is something to watch: a quiet run loads no probe code (bench/idle).
    const watching = sweepNow ? await import('./watch.action.js') : undefined;
    const watched = watching ? await watching.sweepWatched(config, store, log, observers.bus, opts.recheck) : undefined;
    await observers.dispatcher.drain();
    if (opts.metricsFile) {
      observers.metrics.observeRun(summary);
      await observers.refreshMetrics();
      await writeMetricsFile(opts.metricsFile, observers.metrics);
    }
    const views = watched && watching ? await watching.viewsOf(config, store, watched) : [];
    if (opts.json) printJson({ ...summaryJson(summary), shard: shard ?? null, ...(watched ? { watched: sweepJson(watched, views) } : {}) });
    else {
      if (!progress) {
        // Written in chunks: a write per line was a twentieth of a quiet run over 1,000 certificates.
        const out = new ChunkedOutput();
        for (const o of summary.certificates) out.line(outcomeLine(o));
        out.flush();
      }
      const c = summary.counts;
      print(
        (shard ? `shard ${shard.index}/${shard.count}: ` : '') +
          `${c.total} certificate(s): ${c.renewed} renewed, ${c.deployed} deployed, ${c.verified} verified` +
          (c.fresh ? ` (${c.fresh} by an earlier check within the recheck interval)` : '') +
          `, ${c.pending} pending, ${c.failed} failed` +
          (c.waiting ? `, ${c.waiting} waiting to retry` : '') +
          (c.alerting ? `, ${c.alerting} with alerts` : '') +
          (c.locked ? `, ${c.locked} skipped (locked by another process)` : ''),
      );
      if (watched) {
        const out = new ChunkedOutput();
        for (const line of sourceLines(watched)) out.line(line);
        for (const v of views) out.line(watchedLine(v, new Date(watched.startedAt)));
        out.line(sweepSummaryLine(watched));
        out.flush();
      }
    }
    return summary.exitCode === 0 && (watched?.exitCode ?? 0) === 0 ? EXIT.OK : EXIT.FAILED;
  });
}

const LINE_ALERTS = new Set(['Drift', 'Overdue', NO_ENDPOINTS]);

export function outcomeLine(o: CertificateOutcome): string {
  const alert = o.alerts?.[0]?.reason;
  const mark = alert === 'Drift' ? 'DRIFT  ' : alert === 'Overdue' ? 'OVERDUE' : alert && o.verdict === 'ready' ? 'ALERT  ' : VERDICT_MARK[o.verdict];
  const did = [o.renewed && `renewed ${shortSerial(o.issuedSerial)}`, o.adopted && `adopted ${shortSerial(o.issuedSerial)}`, o.deployed && 'deployed'].filter(Boolean).join(', ');
  const detail = o.error
    ? `${o.error.step}: ${o.error.message}`
    : o.verification
      ? o.verification.summary
      : o.decision.message;
  const pending = o.verdict === 'pending' && !alert && o.verification?.state.deadline ? ` (pending until ${o.verification.state.deadline})` : '';
  // Drift, overdue and no endpoints are the line itself; other alerts follow it.
  const problems = (o.alerts ?? []).filter((a) => !LINE_ALERTS.has(a.reason)).map((a) => `\n    ${a.reason}: ${a.message}`).join('');
  return `${mark} ${o.name}${did ? ` (${did})` : ''}: ${detail}${pending}${problems}`;
}

/** The documented, stable shape of `run --json` (docs/json-output.md). */
export function summaryJson(s: RunSummary) {
  return {
    startedAt: s.startedAt,
    durationMs: s.durationMs,
    exitCode: s.exitCode,
    summary: s.counts,
    certificates: s.certificates.map((o) => ({
      name: o.name,
      verdict: o.verdict,
      action: o.decision.action,
      reason: o.decision.reason,
      message: o.decision.message,
      renewAt: o.decision.renewAt?.toISOString() ?? null,
      renewed: o.renewed,
      adopted: o.adopted ?? false,
      deployed: o.deployed,
      issuedSerial: o.issuedSerial ?? null,
      deployedSerial: o.deployedSerial ?? null,
      verified: o.verification?.verified ?? null,
      unverified: o.verification?.unverified ?? null,
      endpoints: o.verification?.results ?? [],
      alerts: o.alerts ?? [],
      pendingSince: o.verification?.state.notServedSince ?? null,
      deadline: o.verification?.state.deadline ?? null,
      overdue: o.verification?.state.overdue ?? false,
      drift: o.verification?.state.drift ?? false,
      error: o.error ?? null,
      fresh: o.verification?.fresh !== undefined,
      checkedAt: o.verification?.fresh?.checkedAt ?? null,
      recheckAt: o.verification?.fresh?.recheckAt ?? null,
      /** A certificate certloop does not issue: the source's current version as read by this run (null otherwise; added last so the earlier keys keep their order). */
      source: o.source ?? null,
    })),
  };
}

/** How watched endpoints are printed: one line each (watch, run, status) and their JSON (documented in docs). */
import type { SweepResult } from '../watch/sweep.js';
import { watchedMark, type WatchedView } from '../watch/view.js';
import { relative, shortSerial } from './format.js';

export function watchedLine(v: WatchedView, now: Date): string {
  const mark = watchedMark(v).padEnd(8);
  const where = `${v.host.includes(':') ? `[${v.host}]` : v.host}:${v.port}`;
  const head = `${mark} ${v.name}${v.name === where ? '' : ` (${where})`}`;
  if (v.state === 'unchecked') return `${head}: not checked yet`;
  const served = v.serials.length > 0 ? `serves ${v.serials.map((s) => shortSerial(s)).join(', ')}` : 'nothing read';
  const until = v.notAfter ? `, expires ${v.notAfter} (${relative(v.notAfter, now)})` : '';
  const lines = [`${head}: ${served}${until}`];
  for (const c of v.conditions) lines.push(`    ${c.type}: ${c.message}`);
  if (v.changed && v.checkedAt === v.changed.at) lines.push(`    changed: was ${v.changed.from}`);
  return lines.join('\n');
}

export function sourceLines(result: Pick<SweepResult, 'sources'>): string[] {
  return result.sources.map((s) =>
    s.error ? `FAILED   source ${s.description}: ${s.error}${s.listedAt ? ` (its ${s.endpoints.length} endpoint(s) of ${s.listedAt} stay watched)` : ''}` : `ok       source ${s.description}: ${s.endpoints.length} endpoint(s)`,
  );
}

export function sweepSummaryLine(r: SweepResult): string {
  const c = r.counts;
  return `${c.total} watched endpoint(s): ${c.ok} ok, ${c.problems} with problems${c.fresh ? ` (${c.fresh} by an earlier check within the recheck interval)` : ''}${c.sourcesFailed ? `, ${c.sourcesFailed} source(s) failed` : ''}`;
}

/** The `watched` part of `watch --json`, `run --json` and `status --json`. */
export function sweepJson(r: SweepResult, views: WatchedView[]) {
  const fresh = new Set(r.endpoints.filter((o) => o.fresh).map((o) => o.record.name));
  return {
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    exitCode: r.exitCode,
    summary: r.counts,
    endpoints: views.map((v) => ({ ...v, ok: v.state === 'ok', fresh: fresh.has(v.name) })),
    sources: r.sources.map((s) => ({ id: s.id, description: s.description, endpoints: s.endpoints.length, listedAt: s.listedAt ?? null, error: s.error ?? null })),
  };
}

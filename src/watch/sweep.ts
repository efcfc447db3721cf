/**
 * One sweep over every watched endpoint (issue 18): list the targets (watch.endpoints and the
 * sources), probe each address as verification does, judge what is served against the watch
 * policy, announce transitions, and store the whole sweep as one document.
 *
 * The same sweep serves `certloop watch`, `certloop run` (watched endpoints ride along) and the
 * daemon's watch timer. With `recheck: 'due'` an endpoint checked within the policy's
 * recheckInterval, with nothing wrong and the same settings, is answered from its record.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { WatchConfig } from '../config/schema.js';
import { CertloopError } from '../errors.js';
import { emit, openProblems, settle, type EventBus, type EventContext } from '../observability/events.js';
import type { Logger } from '../observability/logger.js';
import type { RenewalPolicy } from '../policy/types.js';
import { resolvedPolicyFor } from '../policy/load.js';
import type { StateStore } from '../state/store.js';
import type { Recheck } from '../verify/freshness.js';
import { DEFAULT_PROBE_CONCURRENCY, judge, loadRoots, probeEndpoints } from '../verify/verify.js';
import { judgeWatched, watchConfigKey } from './judge.js';
import { readWatchDocument, writeWatchDocument, type SourceRecord, type WatchRecord } from './record.js';
import { watchTargets, type WatchTarget } from './targets.js';

/** Per-connection timeout of a watched endpoint without its own `timeout` (verify.timeout's default). */
export const WATCH_TIMEOUT_MS = 10_000;

export interface SweepOptions {
  watch: WatchConfig;
  store: StateStore;
  log: Logger;
  events?: EventBus;
  now?: () => Date;
  /** Only these watched endpoints (by name); the others keep their records. */
  names?: string[];
  recheck?: Recheck;
  signal?: AbortSignal;
  /** Bound on probes in flight (default: verify's 64). */
  limit?: LimitFunction;
}

export interface WatchedOutcome {
  record: WatchRecord;
  /** Answered from the record (`--recheck due`), not probed now. */
  fresh: boolean;
  ok: boolean;
}

export interface SweepResult {
  startedAt: string;
  durationMs: number;
  endpoints: WatchedOutcome[];
  sources: SourceRecord[];
  counts: { total: number; ok: number; problems: number; fresh: number; sourcesFailed: number };
  exitCode: 0 | 1;
}

export function watchPolicy(watch: WatchConfig): RenewalPolicy {
  return resolvedPolicyFor(watch);
}

export async function sweep(opts: SweepOptions): Promise<SweepResult> {
  const now = opts.now ?? (() => new Date());
  const started = Date.now();
  const startedAt = now();
  const policy = watchPolicy(opts.watch);
  const doc = await readWatchDocument(opts.store);
  const { targets: all, sources } = await watchTargets(opts.watch, doc, { log: opts.log, now: startedAt, signal: opts.signal });
  const unknown = (opts.names ?? []).filter((n) => !all.some((t) => t.name === n));
  if (unknown.length > 0) throw new CertloopError('USAGE', `no watched endpoint named ${unknown.join(', ')} (names: watch.endpoints[].name, or host:port for what a source lists)`, { retryable: false });
  const targets = opts.names ? all.filter((t) => opts.names!.includes(t.name)) : all;
  const limit = opts.limit ?? pLimit(DEFAULT_PROBE_CONCURRENCY);

  const outcomes = await Promise.all(
    targets.map(async (t): Promise<WatchedOutcome> => {
      const previous = doc.records[t.name];
      if (opts.recheck === 'due' && isFresh(previous, t, policy, now())) return { record: previous!, fresh: true, ok: true };
      if (opts.signal?.aborted && previous) return { record: previous, fresh: true, ok: previous.conditions.length === 0 };
      const record = await check(t, previous, policy, limit, now, opts);
      return { record, fresh: false, ok: record.conditions.length === 0 };
    }),
  );

  // Endpoints no longer watched drop out; with `names`, the others keep what they had.
  const records: Record<string, WatchRecord> = {};
  if (opts.names) for (const t of all) if (doc.records[t.name]) records[t.name] = doc.records[t.name];
  for (const o of outcomes) records[o.record.name] = o.record;
  await writeWatchDocument(opts.store, { version: 1, sweptAt: startedAt.toISOString(), records, sources: Object.fromEntries(sources.map((s) => [s.id, s])) });

  const problems = outcomes.filter((o) => !o.ok).length;
  const sourcesFailed = sources.filter((s) => s.error).length;
  return {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - started,
    endpoints: outcomes,
    sources,
    counts: { total: outcomes.length, ok: outcomes.length - problems, problems, fresh: outcomes.filter((o) => o.fresh).length, sourcesFailed },
    exitCode: problems + sourcesFailed > 0 ? 1 : 0,
  };
}

/** Probe one endpoint, judge it, announce what changed. */
async function check(t: WatchTarget, previous: WatchRecord | undefined, policy: RenewalPolicy, limit: LimitFunction, now: () => Date, opts: SweepOptions): Promise<WatchRecord> {
  const ep = t.endpoint;
  // One connection per address unless the endpoint asks for more; the other client profiles
  // only when it does (a pool, or a server holding an ECDSA and an RSA certificate).
  const samples = ep.samples ?? 1;
  const [probes] = await probeEndpoints([ep], ep.timeout ?? WATCH_TIMEOUT_MS, { limit, samples, profiles: ep.samples !== undefined });
  const at = now();
  const outcome = judge([ep], [probes], t.expectSerial, { roots: loadRoots(t.trust), expiringAlertMs: 0, now: () => at });
  const { record, events } = judgeWatched(t, outcome.results, outcome.probes, previous, policy, at);
  const ctx: EventContext = { config: { name: t.name }, store: opts.store, log: opts.log, now: () => at, events: opts.events };
  for (const e of events) await emit(ctx, e);
  // Everything fine now: close the problems left open by earlier sweeps, with one `recovered`.
  if (record.conditions.length === 0 && (previous?.conditions.length || (previous === undefined && Object.keys(await openProblems(ctx)).length > 0))) {
    await settle(ctx, record.serials[0]);
  }
  return record;
}

/** `--recheck due`: the last check stands when it is recent, of the same settings, and found nothing wrong. */
function isFresh(previous: WatchRecord | undefined, t: WatchTarget, policy: RenewalPolicy, now: Date): boolean {
  if (!previous || policy.recheckIntervalMs <= 0) return false;
  if (previous.configKey !== watchConfigKey(t) || previous.conditions.length > 0) return false;
  const checked = Date.parse(previous.checkedAt);
  if (!(checked <= now.getTime() && now.getTime() < checked + policy.recheckIntervalMs)) return false;
  // A threshold crossed before the next check would be announced late: check now instead.
  const left = previous.notAfter ? Date.parse(previous.notAfter) - now.getTime() : 0;
  return left - policy.recheckIntervalMs > Math.max(0, ...policy.expiringThresholdsMs);
}

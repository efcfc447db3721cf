/**
 * `certloop watch [NAME...] [--once]`: check every watched endpoint (issue 18) now, print what each
 * serves and what is wrong, and record it. Without --once it sweeps again every watch.interval
 * until SIGINT/SIGTERM (the daemon does the same beside its runs). Exit codes like verify: 0 all
 * fine, 1 an endpoint has a problem (expired, expiring, chain, drift, unreachable) or a source failed.
 */
import type { LoadedConfig } from '../../config/load.js';
import { CertloopError } from '../../errors.js';
import type { EventBus } from '../../observability/events.js';
import type { Logger } from '../../observability/logger.js';
import type { Recheck } from '../../verify/freshness.js';
import type { StateStore } from '../../state/store.js';
import { formatDuration } from '../../util/duration.js';
import { readWatchDocument } from '../../watch/record.js';
import { sweep, type SweepResult } from '../../watch/sweep.js';
import { watchedViews } from '../../watch/view.js';
import { EXIT, printJson, withContext, type GlobalOptions } from '../context.js';
import { createObservers } from '../../report/observers.js';
import { ChunkedOutput } from '../output.js';
import { sourceLines, sweepJson, sweepSummaryLine, watchedLine } from '../watch-format.js';

export interface WatchOptions extends GlobalOptions {
  names?: string[];
  once?: boolean;
}

export async function watchCommand(opts: WatchOptions): Promise<number> {
  return withContext(opts, async ({ config, store, log }) => {
    if (!config.watch) throw new CertloopError('USAGE', `nothing to watch: ${config.file} has no watch: section (see docs: "Watch the whole fleet")`, { retryable: false });
    const once = () => sweepAndPrint(config, store, log, opts);
    if (opts.once) return once();
    const stop = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    let code: number = await once();
    for (;;) {
      log.info({ intervalMs: config.watch.interval }, `next sweep in ${formatDuration(config.watch.interval)}`);
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), config.watch!.interval)));
      const why = await Promise.race([tick, stop.then(() => 'stop' as const)]);
      clearTimeout(timer);
      if (why === 'stop') return code;
      code = await once();
    }
  });
}

async function sweepAndPrint(config: LoadedConfig, store: StateStore, log: Logger, opts: WatchOptions): Promise<number> {
  const observers = createObservers(config, store, log);
  const result = await sweep({ watch: config.watch!, store, log, events: observers.bus, names: opts.names });
  await observers.dispatcher.drain();
  printSweep(result, await viewsOf(config, store, result, opts.names), Boolean(opts.json));
  return result.exitCode === 0 ? EXIT.OK : EXIT.FAILED;
}

/** A sweep with the run's events (notifiers, metrics): `certloop run` watches too. */
export function sweepWatched(config: LoadedConfig, store: StateStore, log: Logger, events: EventBus, recheck?: Recheck): Promise<SweepResult> {
  return sweep({ watch: config.watch!, store, log, events, recheck });
}

/** The views of what this sweep checked (all of them, or the names asked for). */
export async function viewsOf(config: LoadedConfig, store: StateStore, result: SweepResult, names?: string[]) {
  const swept = new Set(result.endpoints.map((o) => o.record.name));
  return watchedViews(await readWatchDocument(store), config.watch, new Date(result.startedAt)).filter((v) => swept.has(v.name) || (!names && v.state === 'unchecked'));
}

export function printSweep(result: SweepResult, views: ReturnType<typeof watchedViews>, json: boolean): void {
  if (json) return printJson({ watched: sweepJson(result, views) });
  const out = new ChunkedOutput();
  const now = new Date(result.startedAt);
  for (const line of sourceLines(result)) out.line(line);
  for (const v of views) out.line(watchedLine(v, now));
  out.line(sweepSummaryLine(result));
  out.flush();
}

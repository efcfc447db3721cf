/**
 * The daemon's passes and when they happen: a run (the same as `certloop run`) on the cron
 * schedule, a verify pass every `verifyInterval` (drift, overdue deployments), and the
 * near-expiry drill on `drill.schedule`; and, with `watch:`, a sweep of the watched endpoints
 * every `watch.interval` (issue 18), on its own beside the passes.
 *
 * One pass at a time: a run or verify tick that comes while a pass is still working is skipped
 * (logged), never queued, so a slow CA cannot pile up runs. A drill tick waits for the pass in
 * progress instead (once): it comes once a week, and skipping it would leave a week unproven. A
 * pass that overruns its deadline (liveness.ts) is logged as an error on every skipped tick and
 * turns /healthz 503 (routes.ts).
 */
import { CronJob } from 'cron';
import type { LoadedConfig } from '../config/load.js';
import { drillAndRecord, isSkipped } from '../controller/drill-record.js';
import type { DrillReport } from '../controller/drill.js';
import { runOnce, type RunSummary } from '../controller/run.js';
import type { StepHook } from '../controller/step-hook.js';
import { describeError, Interrupted } from '../errors.js';
import type { EventBus } from '../observability/events.js';
import type { Logger } from '../observability/logger.js';
import { stateHealth } from '../state/health.js';
import type { StateStore } from '../state/store.js';
import { setLongInterval, type Timer } from '../util/timers.js';
import { passDeadlineMs, PassWatch, type PassKind } from './liveness.js';

export interface SchedulerOptions {
  config: LoadedConfig;
  store: StateStore;
  log: Logger;
  /** Events of every pass go here (notifiers, metrics). */
  events: EventBus;
  /** Cron expression for full runs. */
  schedule: string;
  verifyEveryMs: number;
  /** Cron expression for drills, or why there are none (drillPlan in daemon.ts). */
  drill: { schedule?: string; off?: string };
  /** A run (not a verify pass) finished. */
  onRun?: (summary: RunSummary) => void;
  /** Called at each step boundary of each certificate: test entry points only (controller/step-hook.ts). */
  onStep?: StepHook;
}

export class Scheduler {
  readonly startedAt = new Date();
  lastRun?: RunSummary;
  lastVerify?: RunSummary;
  private readonly abort = new AbortController();
  private readonly watch = new PassWatch();
  private current?: Promise<void>;
  private currentKind?: PassKind;
  private drillWaiting = false;
  private readonly runJob: CronJob;
  private readonly drillJob?: CronJob;
  private verifyTimer?: Timer;
  private watchTimer?: Timer;
  private sweeping?: Promise<void>;

  constructor(private readonly opts: SchedulerOptions) {
    this.runJob = CronJob.from({ cronTime: opts.schedule, onTick: () => this.pass('run') });
    this.drillJob = opts.drill.schedule ? CronJob.from({ cronTime: opts.drill.schedule, onTick: () => this.pass('drill') }) : undefined;
  }

  /** Starts the schedules (and, unless told otherwise, a run right away). */
  start(initialRun = true): void {
    this.runJob.start();
    this.drillJob?.start();
    // Chained: a verifyInterval above Node's timer limit (~24.8 days) would fire every millisecond.
    this.verifyTimer = setLongInterval(() => this.pass('verify'), this.opts.verifyEveryMs);
    if (this.opts.config.watch) this.watchTimer = setLongInterval(() => this.sweep(), this.opts.config.watch.interval);
    if (initialRun) {
      this.pass('run');
      this.sweep();
    }
  }

  /** What it runs on (for /summary.txt). */
  get settings(): Pick<SchedulerOptions, 'schedule' | 'verifyEveryMs' | 'drill'> {
    const { schedule, verifyEveryMs, drill } = this.opts;
    return { schedule, verifyEveryMs, drill };
  }

  nextRun(): Date {
    return this.runJob.nextDate().toJSDate();
  }

  nextDrill(): Date | undefined {
    return this.drillJob?.nextDate().toJSDate();
  }

  /** Set once stop() is called. */
  get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  /** Why the loop is not healthy: the pass in progress has overrun its deadline; else undefined. */
  overrun(): string | undefined {
    return this.watch.overrun();
  }

  /** The pass in progress, if any (for the shutdown message). */
  get passInProgress(): PassKind | undefined {
    return this.currentKind;
  }

  /**
   * No new pass starts; a request to a CA or a post-deploy poll in flight is cut short and the
   * current certificate stops at its next step boundary. Resolves true when the pass in progress
   * (if any) ended within `ms`, false when it did not.
   */
  async stop(ms: number): Promise<boolean> {
    this.abort.abort(new Interrupted());
    this.runJob.stop();
    this.drillJob?.stop();
    this.verifyTimer?.cancel();
    this.watchTimer?.cancel();
    return within(Promise.all([this.current, this.sweeping]), ms);
  }

  pass(kind: PassKind): void {
    const { config, log } = this.opts;
    if (this.abort.signal.aborted) return;
    if (this.current) {
      if (kind === 'drill' && this.currentKind !== 'drill' && !this.drillWaiting) {
        log.info({ pass: kind }, 'the drill waits for the pass in progress');
        this.drillWaiting = true;
        return;
      }
      // A pass past its deadline is a hang, not a slow pass: said loudly on every skipped tick.
      const overrun = this.watch.overrun();
      if (overrun) log.error({ pass: kind, busy: this.watch.describe() }, `skipping this ${kind} pass: ${overrun}`);
      else log.info({ pass: kind, busy: this.watch.describe() }, 'the previous pass is still working; skipping this one');
      return;
    }
    this.currentKind = kind;
    this.watch.start(kind, passDeadlineMs(config, kind));
    this.current = this.work(kind).finally(() => {
      this.watch.finish();
      this.current = undefined;
      this.currentKind = undefined;
      if (this.drillWaiting) {
        this.drillWaiting = false;
        this.pass('drill');
      }
    });
  }

  /**
   * A sweep of the watched endpoints. Apart from the passes: it touches no certificate, so a long
   * run must not hold it back an interval, nor it a run. A tick while one is working is skipped.
   */
  sweep(): void {
    const { config, store, log, events } = this.opts;
    if (this.abort.signal.aborted || !config.watch) return;
    if (this.sweeping) {
      log.info({ pass: 'watch' }, 'the previous watch sweep is still working; skipping this one');
      return;
    }
    this.sweeping = (async () => {
      try {
        const { sweep } = await import('../watch/sweep.js');
        const r = await sweep({ watch: config.watch!, store, log, events, signal: this.abort.signal });
        log.info({ pass: 'watch', ...r.counts, durationMs: r.durationMs }, 'watch sweep finished');
      } catch (err) {
        log.error({ pass: 'watch', err: describeError(err) }, 'watch sweep failed');
      }
    })().finally(() => (this.sweeping = undefined));
  }

  private async work(kind: PassKind): Promise<void> {
    const { config, store, log, events } = this.opts;
    log.info({ pass: kind }, { run: 'scheduled run starting', verify: 'verify pass starting', drill: 'scheduled drill starting' }[kind]);
    // A state file deleted under us is written back; one replaced cannot be used (state/health.ts).
    if (!(await stateHealth(store, log)).ok) return;
    if (kind === 'drill') return this.drillPass();
    try {
      const summary = await runOnce({ config, store, log, events, signal: this.abort.signal, verifyOnly: kind === 'verify', onStep: this.opts.onStep });
      if (kind === 'run') {
        this.lastRun = summary;
        this.opts.onRun?.(summary);
      } else this.lastVerify = summary;
      log.info({ pass: kind, ...summary.counts, durationMs: summary.durationMs }, `${kind === 'run' ? 'run' : 'verify pass'} finished`);
    } catch (err) {
      log.error({ pass: kind, err: describeError(err) }, `${kind} pass failed`);
    }
  }

  private async drillPass(): Promise<void> {
    const { config, store, log, events } = this.opts;
    try {
      const results = await drillAndRecord({ config, store, log, certificates: config.certificates, trigger: 'daemon', events, signal: this.abort.signal });
      const reports = results.filter((r): r is DrillReport => !isSkipped(r));
      const failed = reports.filter((r) => !r.passed).map((r) => r.name);
      log[failed.length ? 'warn' : 'info'](
        { pass: 'drill', drilled: reports.length, failed, skipped: results.length - reports.length },
        failed.length ? `drill finished: ${failed.join(', ')} failed` : 'drill finished',
      );
    } catch (err) {
      log.error({ pass: 'drill', err: describeError(err) }, 'drill pass failed');
    }
  }
}

/** Whether `work` settled within `ms`. */
async function within(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!work) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

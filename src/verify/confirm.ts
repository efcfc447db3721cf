/**
 * Stable agreement after a deploy (issue 15). One poll in which every address served the new
 * serial on every connection is not enough: right after a graceful reload nginx's old workers can
 * still take a new connection for some tens of milliseconds (measured here: the old serial seen
 * after the new one for ~20–60 ms), and a pool converging node by node can answer NEW, then OLD.
 * So a deploy is confirmed only when a poll agrees and every later poll for `settleMs` agrees too,
 * the last one starting at least `settleMs` after the first. Anything else seen meanwhile resets
 * the confirmation (reported through `onReset`, and counted in the summary), and the wait starts
 * over. All of it within `budgetMs` (verify.pollFor): a run never waits longer than that on one
 * certificate; when the budget ends first the certificate stays pending and the next run looks
 * again.
 */
import { formatDuration } from '../util/duration.js';

/** What a poll must say: whether every address agreed, in a line a human can act on (a VerifyOutcome). */
export interface PollOutcome {
  verified: boolean;
  summary: string;
}

export interface ConfirmOptions {
  /** Longest time to poll for (verify.pollFor). */
  budgetMs: number;
  /** How long the agreement must hold (verify.settle); 0: the first agreeing poll confirms. */
  settleMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Clock in milliseconds (injected by tests). */
  now?: () => number;
  /** Called when a poll disagrees after an agreeing one, with a line saying what was seen. */
  onReset?: (message: string) => void;
}

export interface Confirmation {
  polls: number;
  /** How long the final agreement held (first agreeing poll to the last one). */
  stableMs: number;
  /** Agreements broken by a later poll. */
  resets: number;
}

export type Confirmed<T extends PollOutcome> = T & { confirmation: Confirmation };

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Between the polls of an agreement: a few per settle time, so a short relapse is likely seen. */
function settleStep(settleMs: number): number {
  return Math.min(1000, Math.max(50, Math.floor(settleMs / 4)));
}

export async function confirmServed<T extends PollOutcome>(poll: () => Promise<T>, opts: ConfirmOptions): Promise<Confirmed<T>> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const deadline = now() + opts.budgetMs;
  const settle = Math.max(0, opts.settleMs);
  let delay = 100;
  let since: number | undefined;
  let polls = 0;
  let resets = 0;
  let lastReset = '';
  const finish = (outcome: T, verified: boolean, stableMs: number): Confirmed<T> => {
    const notes: string[] = [];
    if (settle > 0 && outcome.verified) {
      notes.push(verified ? `held for ${formatDuration(stableMs)} (settle ${formatDuration(settle)})` : `but only for ${formatDuration(stableMs)} of the ${formatDuration(settle)} settle time within pollFor`);
    }
    if (resets > 0) notes.push(`confirmation reset ${resets} time(s), last: ${lastReset}`);
    const summary = notes.length > 0 ? `${outcome.summary}${outcome.verified ? ', ' : ' ('}${notes.join('; ')}${outcome.verified ? '' : ')'}` : outcome.summary;
    return { ...outcome, verified, summary, confirmation: { polls, stableMs, resets } };
  };
  for (;;) {
    const startedAt = now();
    const outcome = await poll();
    polls++;
    if (outcome.verified) {
      since ??= startedAt;
      const held = startedAt - since;
      if (held >= settle) return finish(outcome, true, held);
      // The next poll starts no later than the end of the settle time, so that one can confirm.
      const wait = Math.max(0, Math.min(settleStep(settle), since + settle - now()));
      if (now() + wait > deadline) return finish(outcome, false, held);
      await sleep(wait);
      continue;
    }
    if (since !== undefined) {
      resets++;
      lastReset = `after ${formatDuration(startedAt - since)} of agreement: ${outcome.summary}`;
      opts.onReset?.(`confirmation reset: every address had served the new serial, then ${outcome.summary}`);
      since = undefined;
      delay = 100;
    }
    if (now() + delay > deadline) return finish(outcome, false, 0);
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
  }
}

/**
 * 3 s: nginx's old workers took new connections for ~20–60 ms after a reload here, so 3 s is 50
 * times that, several polls long, and a small part of the default pollFor (15 s).
 */
export const DEFAULT_SETTLE_MS = 3000;

/**
 * `verify.settle`, or the default: 3 s, but at most half of pollFor, so that a config written
 * before settle existed (pollFor: 1s) keeps half its polling time to see the first agreement. An
 * explicit settle longer than pollFor is rejected by the schema.
 */
export function settleOf(verify: { settle?: number; pollFor: number }): number {
  return verify.settle ?? Math.min(DEFAULT_SETTLE_MS, Math.floor(verify.pollFor / 2));
}

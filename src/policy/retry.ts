/** Retry schedules: which schedule a failure follows and when its step may run again. Pure. */
import type { RenewalPolicy, RetryStep } from './types.js';

/** The retry schedule a recorded failure step belongs to: a failed check orders anew, a reload is a deploy. */
export function retryStepOf(step: string): RetryStep {
  if (step === 'issue' || step === 'check') return 'issue';
  if (step === 'verify') return 'verify';
  return 'deploy';
}

/**
 * When to try a failed step again: the policy's schedule for that step (1st, 2nd, ... failure; the
 * last wait repeats), or later if the CA said so with Retry-After.
 */
export function nextAttempt(policy: RenewalPolicy, attempts: number, now: Date, retryAfterSeconds?: number, step: RetryStep = 'issue'): Date {
  const schedule = policy.retrySchedulesMs[step];
  const wait = schedule[Math.min(Math.max(attempts, 1), schedule.length) - 1] ?? 0;
  return new Date(now.getTime() + Math.max(wait, (retryAfterSeconds ?? 0) * 1000));
}

/**
 * A failed step waits for its retry time before it runs again: the policy's schedule for that step,
 * or the CA's Retry-After. Orders back off (CAs rate-limit failures); the default deploy and verify
 * schedules are 0, retrying on every run, because they cost the CA nothing. A hold: it applies
 * only when what was found would run the step that failed.
 */
import { nextAttempt, retryStepOf } from '../retry.js';
import type { Check } from '../types.js';

export const retryWait: Check = {
  name: 'retry-wait',
  holds: ({ record, force, policy, now }, found) => {
    const failure = record?.lastFailure;
    if (!failure || force) return undefined;
    const step = retryStepOf(failure.step);
    if (found.action !== step) return undefined;
    // Orders keep the stored time (it includes the CA's Retry-After); deploys and verifications
    // follow the policy as it is now, so a changed schedule applies at once.
    const retryAt =
      step === 'issue' ? (failure.nextAttemptAt ? new Date(failure.nextAttemptAt) : undefined) : nextAttempt(policy, failure.attempts, new Date(failure.at), undefined, step);
    if (!retryAt || !(retryAt > now)) return undefined;
    return {
      ...found,
      action: 'wait',
      reason: 'RetryScheduled',
      message: `${found.message}; the last attempt failed (${failure.message}), next attempt at ${retryAt.toISOString()}`,
      source: 'retry',
      retryAt,
    };
  },
};

/**
 * Timers for waits of any length. Node's setTimeout and setInterval fire after 1 ms when given
 * more than 2^31-1 ms (~24.8 days), with only a TimeoutOverflowWarning: issue 16 saw
 * `verifyInterval: 30d` run thousands of verify passes a second. Long waits are chained here in
 * pieces Node can hold, never clamped.
 */

/** The longest delay Node's timers take as given. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Timer {
  cancel(): void;
}

/** Calls `fn` once, `ms` from now (any length, chained), unless cancelled. */
export function setLongTimeout(fn: () => void, ms: number, opts: { unref?: boolean } = {}): Timer {
  if (Number.isNaN(ms)) throw new RangeError('setLongTimeout: the delay is not a number');
  let remaining = Math.max(0, ms);
  let handle: NodeJS.Timeout | undefined;
  const arm = () => {
    const piece = Math.min(remaining, MAX_TIMER_MS);
    remaining -= piece;
    handle = setTimeout(remaining > 0 ? arm : fn, piece);
    if (opts.unref) handle.unref();
  };
  arm();
  return { cancel: () => clearTimeout(handle) };
}

/** Calls `fn` every `ms` (any length), the first time `ms` from now, until cancelled. */
export function setLongInterval(fn: () => void, ms: number): Timer {
  let stopped = false;
  let current: Timer;
  const tick = () => {
    if (stopped) return;
    current = setLongTimeout(tick, ms);
    fn();
  };
  current = setLongTimeout(tick, ms);
  return {
    cancel() {
      stopped = true;
      current.cancel();
    },
  };
}

/**
 * Resolves after `ms` (any length); rejects with the signal's reason as soon as `signal` aborts,
 * so a wait never holds up a shutdown.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason);
    };
    const timer = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `work`, or the signal's reason as soon as `signal` aborts, whichever comes first: for calls
 * that take a signal but do not honour it everywhere (an SDK's sign-in), so a deadline still holds.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

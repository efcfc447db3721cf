/**
 * Deadlines on everything acme-client sends (issue 16: a CA that accepted TCP and never answered
 * hung `renew --force` for ever). Three layers:
 *
 * - connect (acme.connectTimeout): the agents in trust.ts;
 * - request (acme.timeout): each HTTP exchange here, first byte out to last byte in;
 * - operation (acme.orderTimeout): one order or account registration, every request, retry and
 *   wait in it, joined with the run's shutdown signal so SIGTERM cuts a request in flight.
 *
 * acme-client's calls cannot carry a signal, so the operation's travels in AsyncLocalStorage (as
 * response-capture.ts does for the last error), and an axios request interceptor gives each
 * request the signal of its operation joined with its own deadline. When a request is aborted,
 * the reason (a timeout error naming the setting, or Interrupted) replaces axios's bare "canceled".
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import acme from 'acme-client';
import { formatDuration } from '../util/duration.js';
import { acmeTimeouts, timeoutError } from './timeouts.js';

const operation = new AsyncLocalStorage<AbortSignal>();

/** An AbortSignal that aborts with `reason()` after `ms`, and a way to stop its timer. */
function deadline(ms: number, reason: () => unknown): { signal: AbortSignal; clear: () => void } {
  const c = new AbortController();
  const timer = setTimeout(() => c.abort(reason()), ms);
  return { signal: c.signal, clear: () => clearTimeout(timer) };
}

/**
 * Runs `fn` (acme-client calls) with a deadline of `ms` for all of it, also ended by `outer`
 * (shutdown) and by any operation it runs inside. `what` names it in the timeout message.
 */
export async function withAcmeDeadline<T>(what: string, ms: number, outer: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  const own = deadline(ms, () => timeoutError(`${what} did not finish within ${formatDuration(ms)} (acme.orderTimeout)`));
  const parents = [operation.getStore(), outer].filter((s): s is AbortSignal => s !== undefined);
  try {
    return await operation.run(parents.length ? AbortSignal.any([own.signal, ...parents]) : own.signal, fn);
  } finally {
    own.clear();
  }
}

/** The signal of the operation running in this async context (for waits between requests). */
export function operationSignal(): AbortSignal | undefined {
  return operation.getStore();
}

const CLEAR = Symbol('certloop.deadline');

type Config = { url?: string; signal?: AbortSignal; [CLEAR]?: () => void };

function hostOf(url: string | undefined): string {
  try {
    return new URL(url ?? '').host;
  } catch {
    return 'the CA';
  }
}

let installed = false;

/** Installs the request deadline on acme-client's axios instance, ahead of its other interceptors. */
export function installRequestDeadlines(): void {
  if (installed) return;
  installed = true;
  acme.axios.interceptors.request.use((config) => {
    const c = config as unknown as Config;
    const ms = acmeTimeouts().requestMs;
    const own = deadline(ms, () => timeoutError(`no answer from ${hostOf(c.url)} within ${formatDuration(ms)} (acme.timeout)`));
    const op = operation.getStore();
    c.signal = op ? AbortSignal.any([own.signal, op]) : own.signal;
    c[CLEAR] = own.clear;
    return config;
  });
  const settle = (config: Config | undefined) => {
    config?.[CLEAR]?.();
  };
  // First in line: acme-client sends every response through the error path (its validateStatus
  // is `() => false`), and later handlers may drop the config this needs.
  const handlers = (acme.axios.interceptors.response as unknown as { handlers?: unknown[] }).handlers;
  handlers?.unshift({
    fulfilled: (resp: { config?: Config }) => {
      settle(resp?.config);
      return resp;
    },
    rejected: (err: { code?: string; config?: Config; response?: unknown }) => {
      settle(err?.config);
      const signal = err?.config?.signal;
      if (err?.code === 'ERR_CANCELED' && !err.response && signal?.aborted) return Promise.reject(signal.reason);
      return Promise.reject(err);
    },
    synchronous: false,
    runWhen: null,
  });
}

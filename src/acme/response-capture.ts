/**
 * acme-client turns an error response into a plain Error with only the problem's detail text, so
 * the status, the problem type and the Retry-After header (what a 429 rate limit says about when
 * to come back) would be lost. An axios interceptor notes them for the operation running in the
 * current async context (AsyncLocalStorage), so concurrent certificates never see each other's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import acme from 'acme-client';
import { parseRetryAfter } from '../policy/ari.js';

export interface CapturedResponse {
  status?: number;
  /** RFC 8555 problem type, e.g. urn:ietf:params:acme:error:rateLimited. */
  problemType?: string;
  retryAfterSeconds?: number;
}

const context = new AsyncLocalStorage<CapturedResponse>();

interface ResponseLike {
  status?: number;
  headers?: Record<string, unknown>;
  data?: unknown;
}

function note(res: ResponseLike | undefined): void {
  const c = context.getStore();
  if (!c || !res?.status) return;
  if (res.status < 400) {
    // A later success makes an earlier error (a retried bad nonce) irrelevant.
    delete c.status;
    delete c.problemType;
    delete c.retryAfterSeconds;
    return;
  }
  c.status = res.status;
  const type = (res.data as { type?: unknown } | undefined)?.type;
  c.problemType = typeof type === 'string' ? type : undefined;
  // An HTTP-date Retry-After counts from when the answer arrives: the wall clock, even in a drill.
  c.retryAfterSeconds = parseRetryAfter(res.headers?.['retry-after'], Date.now());
}

acme.axios.interceptors.response.use(
  (res) => {
    note(res as ResponseLike);
    return res;
  },
  (err: { response?: ResponseLike }) => {
    note(err?.response);
    return Promise.reject(err);
  },
);

/** Runs `fn` with its own capture; `captured()` inside it reads the last error response. */
export function withResponseCapture<T>(fn: () => Promise<T>): Promise<T> {
  return context.run({}, fn);
}

export function captured(): CapturedResponse | undefined {
  return context.getStore();
}

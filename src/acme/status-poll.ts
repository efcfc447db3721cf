/**
 * Waiting for an authorization or an order to become valid (RFC 8555 §7.5.1, §7.4), in place of
 * acme-client's waitForValidStatus, which
 * - retries every error, network or CA (badNonce, 5xx), a dozen times with sleeps nothing can cut
 *   short, so a shutdown waited out its backoff and an unreachable CA surfaced as "Operation is
 *   pending or processing";
 * - reports a CA-side error while polling like a failed validation (issue 16: a badNonce was
 *   reported as CHALLENGE_FAILED).
 * Here an object that is still pending is polled again with a growing pause until it settles or
 * the operation's deadline passes (acme.orderTimeout, or shutdown: the pause ends at once); an
 * `invalid` object is a ValidationFailed; any other error is passed on as it is, to be classified.
 */
import type acme from 'acme-client';
import { operationSignal } from './deadline.js';
import { sleep } from '../util/timers.js';

/** The CA looked at the challenge (or the order) and said no: the object's status is `invalid`. */
export class ValidationFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationFailed';
  }
}

interface ApiLike {
  apiRequest(url: string, payload: null, validStatusCodes: number[]): Promise<{ data: StatusObject }>;
}

interface StatusObject {
  status?: string;
  error?: { detail?: string } | string;
  detail?: string;
  challenges?: { status?: string; error?: { detail?: string } }[];
}

export function pollStatusWithinDeadline(client: acme.Client, backoff: { minMs: number; maxMs: number }): void {
  const api = (client as unknown as { api?: ApiLike }).api;
  if (!api || typeof api.apiRequest !== 'function') return;
  (client as unknown as { waitForValidStatus: (item: { url?: string }) => Promise<unknown> }).waitForValidStatus = async (item) => {
    if (!item.url) throw new Error('cannot poll an ACME object without a URL');
    const signal = operationSignal();
    let pause = backoff.minMs;
    // Outside an operation nothing bounds the wait but a count (acme-client's own is 12).
    for (let polls = 1; ; polls++) {
      const { data } = await api.apiRequest(item.url, null, [200]);
      if (data.status === 'valid' || data.status === 'ready') return data;
      if (data.status === 'invalid') throw new ValidationFailed(describeInvalid(data));
      if (data.status !== 'pending' && data.status !== 'processing') throw new Error(`the CA answered an unexpected status "${data.status}" for ${item.url}`);
      if (!signal && polls >= 12) throw new Error(`${item.url} is still ${data.status}`);
      await sleep(pause, signal);
      pause = Math.min(pause * 2, backoff.maxMs);
    }
  };
}

/** The CA's reason: the object's error, else the first failed challenge's. */
function describeInvalid(data: StatusObject): string {
  const detail = (e: StatusObject['error']) => (typeof e === 'string' ? e : e?.detail);
  const reason = detail(data.error) ?? data.detail ?? data.challenges?.map((c) => detail(c.error)).find(Boolean);
  return (reason ?? 'the CA marked it invalid without a reason').replace(/\n/g, ' ');
}

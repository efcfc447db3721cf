/**
 * Waits until every authoritative server answers a TXT value (or no longer does), bounded by a
 * timeout. Telling the CA to validate before the record is visible everywhere makes the
 * authorization invalid, and an invalid authorization cannot be retried: the order is lost.
 */
import { formatServer, normalizeName, query, rdataText, txtValues, type DnsServer } from './client.js';

export interface WaitForTxtOptions {
  name: string;
  value: string;
  servers: DnsServer[];
  want: 'present' | 'absent';
  timeoutMs: number;
  /** Per query; default 3 s. */
  queryTimeoutMs?: number;
  signal?: AbortSignal;
}

export class PropagationTimeoutError extends Error {
  constructor(
    message: string,
    /** What each server that was not ready last answered. */
    readonly lastSeen: Record<string, string>,
  ) {
    super(message);
    this.name = 'PropagationTimeoutError';
  }
}

/** What one server says about the value right now. */
async function observe(server: DnsServer, name: string, value: string, timeoutMs: number): Promise<{ has: boolean; seen: string }> {
  try {
    const reply = await query(server, name, 'TXT', { recursion: false, timeoutMs });
    if (reply.rcode !== 'NOERROR') return { has: false, seen: reply.rcode };
    const values = txtValues(reply, name);
    if (values.includes(value)) return { has: true, seen: 'the value is there' };
    if (values.length > 0) return { has: false, seen: `${values.length} other TXT value(s), not this one` };
    const cname = (reply.answers ?? []).find((r) => r.type === 'CNAME' && normalizeName(r.name) === normalizeName(name));
    return { has: false, seen: cname ? `a CNAME to ${rdataText(cname)} (delegated validation is not supported)` : 'no TXT record' };
  } catch (err) {
    return { has: false, seen: (err as Error).message };
  }
}

export async function waitForTxt(opts: WaitForTxtOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const queryTimeout = opts.queryTimeoutMs ?? 3000;
  const waiting = new Map(opts.servers.map((s) => [formatServer(s), s]));
  const lastSeen: Record<string, string> = {};
  let delay = 200;
  for (;;) {
    await Promise.all(
      [...waiting].map(async ([label, server]) => {
        const { has, seen } = await observe(server, opts.name, opts.value, Math.min(queryTimeout, Math.max(500, deadline - Date.now())));
        if (has === (opts.want === 'present')) waiting.delete(label);
        else lastSeen[label] = seen;
      }),
    );
    if (waiting.size === 0) return;
    const left = deadline - Date.now();
    if (opts.signal?.aborted || left <= 0) break;
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    delay = Math.min(delay * 2, 2000);
  }
  const pending = [...waiting.keys()];
  const detail = pending.map((label) => `${label}: ${lastSeen[label] ?? 'not asked'}`).join('; ');
  const what = opts.want === 'present' ? 'not visible' : 'still visible';
  throw new PropagationTimeoutError(
    `TXT ${opts.name} is ${what} at ${pending.length} of ${opts.servers.length} authoritative server(s) after ${Math.round(opts.timeoutMs / 1000)}s (${detail})`,
    Object.fromEntries(pending.map((l) => [l, lastSeen[l] ?? ''])),
  );
}

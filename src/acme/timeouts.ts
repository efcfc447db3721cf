/**
 * How long certloop waits for an ACME server (issue 16: a CA that accepted TCP and never answered
 * hung `renew --force` for ever, held the certificate's lease and made SIGTERM wait). Set once per
 * process from `acme:` (configureAcmeTimeouts) before anything talks to a CA; read by the HTTPS
 * agents (trust.ts: connect), the axios deadlines (deadline.ts: request, operation) and the plain
 * GETs (http-get.ts: directory, renewalInfo). Kept free of acme-client so a quiet run loads nothing.
 */
export interface AcmeTimeouts {
  /** TCP connect plus TLS handshake (acme.connectTimeout). */
  connectMs: number;
  /** One HTTP exchange, first byte out to last byte in (acme.timeout). */
  requestMs: number;
  /** One order (place → validate → finalize → download) or account registration (acme.orderTimeout). */
  orderMs: number;
}

/**
 * Defaults: 10 s to connect is far beyond a healthy CA (tens of ms) and short enough to fail over
 * while a run is still useful; 30 s per request covers a CA under load (Let's Encrypt's own
 * finalize can take seconds); 10 min per order covers dns-01 propagation (default 2 min) and a
 * slow validation with room to spare, and is the length of a certificate's lease.
 */
export const DEFAULT_ACME_TIMEOUTS: AcmeTimeouts = { connectMs: 10_000, requestMs: 30_000, orderMs: 600_000 };

let current: AcmeTimeouts = DEFAULT_ACME_TIMEOUTS;
const listeners: (() => void)[] = [];

export function configureAcmeTimeouts(acme: { timeout?: number; connectTimeout?: number; orderTimeout?: number }): void {
  const next = {
    connectMs: acme.connectTimeout ?? DEFAULT_ACME_TIMEOUTS.connectMs,
    requestMs: acme.timeout ?? DEFAULT_ACME_TIMEOUTS.requestMs,
    orderMs: acme.orderTimeout ?? DEFAULT_ACME_TIMEOUTS.orderMs,
  };
  if (next.connectMs === current.connectMs && next.requestMs === current.requestMs && next.orderMs === current.orderMs) return;
  current = next;
  for (const l of listeners) l();
}

export function acmeTimeouts(): AcmeTimeouts {
  return current;
}

/** Called when the timeouts change (trust.ts rebuilds its agents). */
export function onAcmeTimeoutsChange(listener: () => void): void {
  listeners.push(listener);
}

/** A network-style error (code ETIMEDOUT) whose message says which deadline passed and which setting sets it. */
export function timeoutError(message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code: 'ETIMEDOUT' });
}

/**
 * The one rule for "expiring": a certificate is expiring once no more than its policy's
 * `expiringAlert` is left, capped at a fifth of its lifetime, so that a 6-day certificate is not
 * expiring from the day it is issued. Renewal starts at 1/3 of the lifetime left (1/2 for short
 * lifetimes), so a certificate in use that reaches this point has been failing to renew or
 * deploy for a while.
 *
 * Every view of it uses this one function: the `not-expiring` check on what endpoints serve, the
 * `expiring_soon` event, the status page's critical level, the `--recheck due` freshness rule and
 * the forecast's alerts (issue 17: they had drifted to 1/5, 1/6, a fixed 7 days and no cap).
 */

/** Dates as a record stores them (ISO text), as X509Certificate gives them, or epoch ms. */
type When = string | number | Date;

export interface Validity {
  notBefore: When;
  notAfter: When;
}

const ms = (t: When): number => (typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : t.getTime());

/** How much validity left counts as expiring for this certificate. */
export function expiringThresholdMs(cert: Validity, expiringAlertMs: number): number {
  return Math.min(expiringAlertMs, (ms(cert.notAfter) - ms(cert.notBefore)) / 5);
}

/**
 * Whether `cert` is expiring at `now`. `expiresAt` is the expiry to judge when it is not the
 * certificate's own: an older certificate a stale endpoint still serves is measured against the
 * threshold of the one in use.
 */
export function isExpiring(cert: Validity, now: When, expiringAlertMs: number, expiresAt: When = cert.notAfter): boolean {
  return ms(expiresAt) - ms(now) <= expiringThresholdMs(cert, expiringAlertMs);
}

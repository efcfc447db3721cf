/**
 * The emergency window: the last `emergencyFraction` of a certificate's lifetime (certmagic:
 * 1/20), in which it must be replaced now whatever else says otherwise. Pure.
 */
import type { RenewalPolicy } from './decide.js';

export function emergencyTime(cert: { notBefore: string; notAfter: string }, policy: Pick<RenewalPolicy, 'emergencyFraction'>): Date {
  const from = Date.parse(cert.notBefore);
  const to = Date.parse(cert.notAfter);
  return new Date(to - (to - from) * policy.emergencyFraction);
}

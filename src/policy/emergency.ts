/**
 * The emergency floor: the last `emergencyFraction` of a certificate's lifetime (certmagic: 1/20),
 * in which it must be replaced now whatever else says otherwise (ARI, a rollback hold, the CA
 * failover's patience). Computed here only: renewalTime asks it once per decision and hands it to the
 * checks (`RenewalTime.floor`: the `emergency` check, the rollback hold); the CA selection and
 * `certloop rollback` ask it directly. Pure.
 */
import type { RenewalPolicy } from './types.js';

export function emergencyTime(cert: { notBefore: string; notAfter: string }, policy: Pick<RenewalPolicy, 'emergencyFraction'>): Date {
  return emergencyFloor(Date.parse(cert.notBefore), Date.parse(cert.notAfter), policy);
}

/** The same, for a caller that has the dates as milliseconds already (renewalTime, 100,000 times per plan). */
export function emergencyFloor(notBefore: number, notAfter: number, policy: Pick<RenewalPolicy, 'emergencyFraction'>): Date {
  return new Date(notAfter - (notAfter - notBefore) * policy.emergencyFraction);
}

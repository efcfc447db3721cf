/** The renewal time (renewal-time.ts: ARI, else the lifetime rule, never past the emergency floor) has come. */
import type { Check, Decision, RenewalTime } from '../types.js';

export const renewalDue: Check = {
  name: 'renewal-due',
  finds: ({ renewal, now }) => (renewal && now >= renewal.at ? dueDecision(renewal) : undefined),
};

/** The decision when renewal is due: shared with the `emergency` check, which says the same earlier in the chain. */
export function dueDecision(t: RenewalTime): Decision {
  return { action: 'issue', reason: 'RenewalDue', message: `renewal was due at ${t.at.toISOString()}: ${t.reason}`, source: t.source };
}

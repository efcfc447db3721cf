/**
 * What to do next for one certificate, as a pure function of its record, the policy and `now` (no
 * I/O, no clock reads, nothing kept between calls). `run`, `renew`, `plan --at`, drills and the
 * status page all call this, so a plan at time T predicts exactly what a run at T does. The
 * decision itself is the chain of named checks in checks/index.ts.
 */
import { CHECKS } from './checks/index.js';
import { renewalTimeOf } from './renewal-time.js';
import type { DecideInput, Decision, Facts, RenewalPolicy, RenewalTime } from './types.js';

export function decide(input: DecideInput, policy: RenewalPolicy, now: Date): Decision {
  return evaluate(input, policy, now).decision;
}

/**
 * The decision and the renewal time it was made with (plan shows both): the renewal time is
 * worked out once and read by every check (it builds dates and messages: a third of `plan` over
 * 100,000 certificates when it was computed three times).
 */
export function evaluate(input: DecideInput, policy: RenewalPolicy, now: Date): { decision: Decision; renewal: RenewalTime | undefined } {
  // A certificate from a source is never renewed by certloop: it has no renewal time (checks/from-source.ts).
  const renewal = input.source ? undefined : renewalTimeOf(input.record, policy, now);
  const facts: Facts = { record: input.record, domains: input.domains, force: input.force, source: input.source, policy, now, renewal };
  let found: Decision | undefined;
  for (const check of CHECKS) {
    if ('finds' in check) {
      if (found) continue;
      found = check.finds(facts);
      if (found) {
        found.renewAt = renewal?.at;
        found.renewSource = renewal?.source;
      }
    } else if (found) {
      found = check.holds(facts, found) ?? found;
    }
  }
  if (!found) throw new Error('policy/checks: the chain must end its finders with up-to-date');
  return { decision: found, renewal };
}

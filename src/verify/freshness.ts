/**
 * `run --recheck due` on the verification side: the mode, and the key of what the endpoints were
 * verified against, which a recorded check carries so that only a check of what is configured now
 * stands. The rule that decides whether a check still stands is policy/freshness.ts.
 */
import { createHash } from 'node:crypto';
import type { CertificateConfig } from '../config/schema.js';

export type Recheck = 'all' | 'due';

/**
 * What the endpoints were verified against: a changed endpoint list (with its samples, family and
 * alsoServes), resolver, trust store or number of connections per address must be probed at once,
 * whatever the interval says. A check made before `samples` existed (one connection per address)
 * does not stand for one that needs more. (`settle` only concerns the polls right after a deploy.)
 */
export function verifyConfigKey(verify: CertificateConfig['verify']): string {
  const { endpoints, resolver, trust, samples } = verify;
  return createHash('sha256').update(JSON.stringify({ endpoints, resolver, trust, samples })).digest('base64url').slice(0, 16);
}

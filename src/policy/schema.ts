/**
 * The schema of a renewal policy file (policies/*.yaml) and of the inline overrides a certificate
 * may add (`policy: { name: default, remainingDays: 20 }`). Durations are written like the rest of
 * the config ("4h", "30d") and become milliseconds; fractions are numbers or "1/3".
 */
import { z } from 'zod';
import { Duration, ProfileName } from '../config/fields.js';

/** A fraction of a lifetime, 0 < f < 1: 0.25, "1/3" or "25%". */
export const Fraction = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const f = parseFraction(v);
  if (f === undefined || !(f > 0 && f < 1)) {
    ctx.addIssue({ code: 'custom', message: `expected a fraction between 0 and 1 such as 0.25, "1/3" or "25%", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return f;
});

function parseFraction(v: number | string): number | undefined {
  if (typeof v === 'number') return v;
  const s = v.trim();
  let m = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(s);
  if (m) return Number(m[1]) / Number(m[2]);
  m = /^(\d+(?:\.\d+)?)\s*%$/.exec(s);
  if (m) return Number(m[1]) / 100;
  return /^\d*\.\d+$/.test(s) ? Number(s) : undefined;
}

export const PolicyName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, {
  message: 'expected a policy name of lower-case letters, digits, ".", "_" or "-"',
});

const Schedule = z.array(Duration).min(1, 'list at least one wait, e.g. [1m, 10m, 100m, 1d] (the last one repeats)');

/** The fields a policy sets; every one optional, because a policy may extend another. */
const PolicyFields = {
  /** Use the CA's ARI window (RFC 9773) when the CA offers renewal information. */
  ari: z.boolean().optional(),
  /** Renew when this fraction of the lifetime remains. */
  remainingFraction: Fraction.optional(),
  /** Renew when this many days remain (instead of the fraction); null switches back to the fraction. */
  remainingDays: z.number().positive('expected a number of days above 0').nullable().optional(),
  /** Lifetimes under this count as short-lived and use shortLivedFraction. */
  shortLifetime: Duration.optional(),
  shortLivedFraction: Fraction.optional(),
  /** Below this fraction of the lifetime remaining, renew whatever ARI says. */
  emergencyFraction: Fraction.optional(),
  /** Spread lifetime-rule renewals up to this much earlier (stable per certificate). */
  jitter: Duration.optional(),
  /** Waits after the 1st, 2nd, ... consecutive failure of each step; the last repeats; 0 = next run. */
  retry: z
    .strictObject({ issue: Schedule.optional(), deploy: Schedule.optional(), verify: Schedule.optional() })
    .optional(),
  /** How long a deployed certificate may take to be served everywhere before it is overdue. */
  verifyDeadline: Duration.optional(),
  /** How often endpoints are re-checked when nothing changed. */
  recheckInterval: Duration.optional(),
  /** Alert when a served certificate expires within this. */
  expiringAlert: Duration.optional(),
  /**
   * ACME profile this policy pairs with (short-lived: shortlived). A preference: used when the CA
   * offers it, else the order goes without (acme.profile, or the CA's default), with a note.
   */
  profile: ProfileName.optional(),
  /** Watched endpoints (issue 18): expiring_soon as each of these is crossed, e.g. [30d, 14d, 7d, 3d, 1d]. */
  expiringThresholds: z.array(Duration).min(1, 'list at least one threshold, e.g. [30d, 14d, 7d]').optional(),
};

export const PolicyFile = z.strictObject({
  name: PolicyName,
  /** Start from this policy and change only the fields given here. */
  extends: PolicyName.optional(),
  description: z.string().optional(),
  ...PolicyFields,
});
export type PolicyFile = z.infer<typeof PolicyFile>;

export const PolicyOverrides = z.strictObject({
  /** The policy to start from (default: "default"). */
  name: z.string().min(1).default('default'),
  ...PolicyFields,
});
export type PolicyOverrides = z.infer<typeof PolicyOverrides>;

/**
 * A certificate's `policy:` either names a policy or names one and overrides single fields. The
 * mapping comes first so a typo in it is reported as the typo, not as "expected a string".
 */
export const PolicyRef = z.union([PolicyOverrides, z.string().min(1, 'expected a policy name such as default')]);
export type PolicyRef = z.infer<typeof PolicyRef>;

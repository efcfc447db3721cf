/**
 * Which ACME profile (draft-ietf-acme-profiles) an order asks for. A CA lists its profiles in the
 * directory's `meta.profiles` (name → description); the client sends one name as `profile` in
 * newOrder, and must not send a name the CA does not list (draft §3). Pure: the directory is read
 * by the caller.
 *
 * Three places may name one, in this order: the certificate's `profile:` and `acme.profile` are
 * requirements (a CA that does not offer it is refused, with the names it offers); a policy's
 * `profile` is a preference (the short-lived policy pairs with `shortlived`, and still works with a
 * CA that has no such profile: the order goes without it, with a note).
 */

export interface ProfileWish {
  name: string;
  /** Where it was written, for messages: "certificates[web].profile", "acme.profile", 'policy "short-lived"'. */
  from: string;
  /** Refuse a CA that does not offer it (false: fall through to the next wish). */
  required: boolean;
}

/** The wishes of one certificate, most specific first. */
export function profileWishes(o: { certificate: string; profile?: string; policy?: { name: string; profile?: string }; acmeProfile?: string }): ProfileWish[] {
  const out: ProfileWish[] = [];
  if (o.profile) return [{ name: o.profile, from: `certificates[${o.certificate}].profile`, required: true }];
  if (o.policy?.profile) out.push({ name: o.policy.profile, from: `policy "${o.policy.name}"`, required: false });
  if (o.acmeProfile) out.push({ name: o.acmeProfile, from: 'acme.profile', required: true });
  return out;
}

/** The directory's meta.profiles (name → description), or undefined when the CA lists none. */
export function offeredProfiles(directory: unknown): Record<string, string> | undefined {
  const profiles = (directory as { meta?: { profiles?: unknown } } | undefined)?.meta?.profiles;
  if (!profiles || typeof profiles !== 'object' || Array.isArray(profiles)) return undefined;
  return Object.fromEntries(Object.entries(profiles as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : '']));
}

export type ProfileChoice =
  | { ok: true; profile?: string; notes: string[] }
  /** `wish`: the required one the CA does not offer. */
  | { ok: false; wish: ProfileWish; message: string };

/** The profile to send to a CA whose directory lists `offered`, or why none can be. */
export function chooseProfile(wishes: ProfileWish[], offered: Record<string, string> | undefined, directoryUrl: string): ProfileChoice {
  const notes: string[] = [];
  const names = offered ? Object.keys(offered) : [];
  for (const wish of wishes) {
    if (offered && Object.hasOwn(offered, wish.name)) return { ok: true, profile: wish.name, notes };
    const what = offered ? `the CA at ${directoryUrl} does not offer profile "${wish.name}" (${wish.from}); it offers ${names.length ? names.join(', ') : 'none'}` : `the CA at ${directoryUrl} lists no profiles (no meta.profiles in its directory), so it cannot order profile "${wish.name}" (${wish.from})`;
    if (wish.required) {
      const fix = offered && names.length ? `: set ${wish.from} to one of ${names.join(', ')}` : `: remove ${wish.from}`;
      return { ok: false, wish, message: `${what}${fix}` };
    }
    notes.push(`${what}; ordering without it`);
  }
  return { ok: true, notes };
}

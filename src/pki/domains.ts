/**
 * Lists of DNS names, compared the one way everywhere: whether two lists name the same
 * certificate (the configured domains against an issued certificate or a pending order), and
 * which names a certificate does not cover. Names are compared as written: the config schema
 * lower-cases them, and certificates carry them lower-case.
 */

/** The same names, in any order: a certificate for one list serves the other. */
export function sameDomains(a: readonly string[], b: readonly string[]): boolean {
  // The usual case, both from one config list: same order, no set needed (bench/plan).
  if (a.length === b.length && a.every((d, i) => d === b[i])) return true;
  const inA = new Set(a);
  const inB = new Set(b);
  return inA.size === inB.size && [...inB].every((d) => inA.has(d));
}

/** The domains a certificate naming `names` (its subjectAltName DNS names) does not cover. */
export function uncoveredDomains(domains: readonly string[], names: readonly string[]): string[] {
  return domains.filter((d) => !names.includes(d.toLowerCase()));
}

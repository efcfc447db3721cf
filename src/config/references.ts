/**
 * Rules on names one certificate gives another, checked after the schema (by loadConfig on the
 * whole config, and by outline.ts over every certificate at once): a slice of the certificates
 * validated alone would see only part of the names.
 *
 * `verify.endpoints[].alsoServes` names other certificates of this config that the same server
 * holds beside this one (an ECDSA and an RSA certificate): each must exist and not be the
 * certificate itself.
 */

export interface Reference {
  /** Index of the certificate that refers. */
  certificate: number;
  endpoint: number;
  names: string[];
}

/** alsoServes lists, where a certificate has any (certificates shaped as the schema accepts them). */
export function alsoServesOf(certificate: unknown, index: number): Reference[] {
  const endpoints = (certificate as { verify?: { endpoints?: { alsoServes?: string[] }[] } } | undefined)?.verify?.endpoints;
  if (!Array.isArray(endpoints)) return [];
  const refs: Reference[] = [];
  endpoints.forEach((ep, j) => {
    if (Array.isArray(ep?.alsoServes)) refs.push({ certificate: index, endpoint: j, names: ep.alsoServes });
  });
  return refs;
}

export function referenceProblems(names: string[], refs: Reference[]): { path: (string | number)[]; message: string }[] {
  if (refs.length === 0) return [];
  const known = new Set(names);
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const ref of refs) {
    ref.names.forEach((name, k) => {
      const path = ['certificates', ref.certificate, 'verify', 'endpoints', ref.endpoint, 'alsoServes', k];
      if (name === names[ref.certificate]) problems.push({ path, message: `"${name}" is this certificate itself; list the other certificates the server holds beside it` });
      else if (!known.has(name)) problems.push({ path, message: `no certificate named "${name}" in this config (alsoServes names another certificate certloop manages, e.g. the RSA one beside an ECDSA one)` });
    });
  }
  return problems;
}

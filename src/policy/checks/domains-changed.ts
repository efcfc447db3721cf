/** The configured names are not the certificate's (as sets: order and repeats do not matter). */
import type { Check } from '../types.js';

export const domainsChanged: Check = {
  name: 'domains-changed',
  finds: ({ record, domains }) => {
    const issued = record?.issued;
    // The usual case without a Set: the same names in the same order, none twice.
    if (!issued || sameList(issued.domains, domains)) return undefined;
    const have = new Set(issued.domains);
    const same = have.size === domains.length && domains.every((d) => have.has(d));
    return same ? undefined : { action: 'issue', reason: 'DomainsChanged', message: `the configured domains changed (certificate has ${[...have].join(', ')})` };
  },
};

/** Equal lists without duplicates (then the Set comparison would find them the same too). */
function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length || b.length > 8) return false;
  for (let i = 0; i < b.length; i++) {
    if (a[i] !== b[i]) return false;
    for (let j = 0; j < i; j++) if (b[j] === b[i]) return false;
  }
  return true;
}

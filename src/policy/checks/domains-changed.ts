/** The configured names are not the certificate's (as sets: order does not matter; pki/domains.ts). */
import { sameDomains } from '../../pki/domains.js';
import type { Check } from '../types.js';

export const domainsChanged: Check = {
  name: 'domains-changed',
  finds: ({ record, domains }) => {
    const issued = record?.issued;
    if (!issued || sameDomains(issued.domains, domains)) return undefined;
    return { action: 'issue', reason: 'DomainsChanged', message: `the configured domains changed (certificate has ${[...new Set(issued.domains)].join(', ')})` };
  },
};

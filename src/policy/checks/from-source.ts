/**
 * A certificate certloop does not issue (issue 18 §3): nothing to order, renew or deploy, whatever
 * the record says; every run reads its source and verifies the endpoints (controller/source.ts).
 * First in the chain, before `forced`: an operator's --force cannot make certloop issue it.
 */
import type { Check } from '../types.js';

export const fromSource: Check = {
  name: 'from-source',
  finds: ({ source }) =>
    source
      ? { action: 'none', reason: 'FromSource', message: `certloop does not issue this certificate: each run reads the latest enabled version of ${source} and verifies that every endpoint serves it` }
      : undefined,
};

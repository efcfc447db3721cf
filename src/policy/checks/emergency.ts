/**
 * Inside the emergency window (policy/emergency.ts) renewal is due, and nothing after this check
 * can hold it back: a rollback pauses automatic renewal only until here, because an expiry outage
 * is never the price of a rollback. The renewal time never lies past the floor, so the decision is
 * the one `renewal-due` would give; this check's place in the chain is what it adds.
 */
import { emergencyTime } from '../emergency.js';
import type { Check } from '../types.js';
import { dueDecision } from './renewal-due.js';

export const emergency: Check = {
  name: 'emergency',
  finds: ({ record, renewal, policy, now }) => {
    const issued = record?.issued;
    // Before the renewal time it is before the floor too; most certificates stop here, cheaply.
    if (!issued || !renewal || now < renewal.at) return undefined;
    return now >= emergencyTime(issued, policy) ? dueDecision(renewal) : undefined;
  },
};

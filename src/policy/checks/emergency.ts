/**
 * Inside the emergency window (policy/emergency.ts, read as `renewal.floor`) renewal is due, and
 * nothing after this check can hold it back: a rollback pauses automatic renewal only until here,
 * because an expiry outage is never the price of a rollback. The renewal time never lies past the floor, so the decision is
 * the one `renewal-due` would give; this check's place in the chain is what it adds.
 */
import type { Check } from '../types.js';
import { dueDecision } from './renewal-due.js';

export const emergency: Check = {
  name: 'emergency',
  // The floor was worked out once, with the renewal time (which never lies past it).
  finds: ({ renewal, now }) => (renewal && now >= renewal.floor ? dueDecision(renewal) : undefined),
};

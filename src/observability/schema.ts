/**
 * What the settings may name of observability, for the config schema: the event types a
 * notifier's `events:` lists (notify/schema.ts). Declarations only; events.ts says what each means.
 */
export const EVENT_TYPES = ['renewed', 'deployed', 'verified', 'failed', 'verify_overdue', 'expiring_soon', 'drift_detected', 'recovered', 'ca_fallback', 'drill_failed', 'drill_recovered', 'expired', 'chain_problem', 'changed', 'revoked'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

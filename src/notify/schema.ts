/**
 * Settings every notifier shares, spread into each notifier's schema (providers/notifiers/<name>/schema.ts).
 */
import { z } from 'zod';
import { BOUNDS } from '../config/bounds.js';
import { Duration, DurationWithin } from '../config/fields.js';
import { EVENT_TYPES, type EventType } from '../observability/schema.js';

/** Without an `events:` list a notifier hears about problems, recoveries and revocations, not routine success. */
export const DEFAULT_NOTIFY_EVENTS: EventType[] = ['failed', 'verify_overdue', 'expiring_soon', 'drift_detected', 'recovered', 'drill_failed', 'drill_recovered', 'expired', 'chain_problem', 'revoked'];

export const NotifierCommon = {
  /** Names the notifier in logs, metrics and throttling state; default "<type>-<index>". */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'expected a short name of letters, digits, ".", "_" or "-"' })
    .optional(),
  events: z
    .array(z.enum(EVENT_TYPES, { message: `expected one of ${EVENT_TYPES.join(', ')}` }))
    .min(1, 'list at least one event type')
    .default(DEFAULT_NOTIFY_EVENTS),
  /** A problem still open is announced again at most this often (per certificate and event type). */
  renotify: Duration.default(24 * 3_600_000),
  /** Only these certificates (default: all). */
  certificates: z.array(z.string()).optional(),
  /** Per delivery attempt. */
  timeout: DurationWithin(...BOUNDS.networkTimeout).default(10_000),
};

import { z } from 'zod';
import { DurationWithin, Port } from '../../../src/config/fields.js';

/** Settings the DNS zone sources (axfr, azure-dns) share; spread into each one's strictObject. */
export const ZoneSourceFields = {
  /** Each name of the zone is watched on each of these ports. */
  ports: z
    .array(Port)
    .min(1, 'list at least one port, e.g. [443]')
    .transform((ports) => [...new Set(ports)])
    .default([443]),
  /** Deadline of one listing of the zone: sign-in or connection, every page or message. */
  timeout: DurationWithin(1000, 10 * 60_000).default(60_000),
};

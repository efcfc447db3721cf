import { z } from 'zod';
import { DurationWithin } from '../../../src/config/fields.js';
import { BOUNDS } from '../../../src/config/bounds.js';
import { TsigKeyConfig } from '../../../src/dns/schema.js';
import { Dns01CommonFields, DnsServerAddress, ZoneName } from '../dns-01-common/schema.js';

/**
 * rfc2136: dynamic updates (RFC 2136) to the zone's primary server, signed with TSIG (RFC 8945).
 * Works with BIND, Knot, PowerDNS and Windows DNS.
 */
export const Rfc2136Config = z.strictObject({
  ...Dns01CommonFields,
  provider: z.literal('rfc2136'),
  /** The primary server that accepts updates. */
  server: DnsServerAddress,
  /** The zone to update; default: asked from the server (the owner of the SOA for the record). */
  zone: ZoneName.optional(),
  /** The TSIG key; without it the update is unsigned (only for servers that allow updates by address). */
  tsig: TsigKeyConfig.optional(),
  /** TTL of the TXT record, in seconds. */
  ttl: z.number().int().min(1).max(86_400).default(60),
  /** How long one update may take. */
  timeout: DurationWithin(...BOUNDS.networkTimeout).default(10_000),
});
export type Rfc2136Config = z.infer<typeof Rfc2136Config>;

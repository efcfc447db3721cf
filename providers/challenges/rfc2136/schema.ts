import { z } from 'zod';
import { DurationWithin } from '../../../src/config/fields.js';
import { BOUNDS } from '../../../src/config/bounds.js';
import { Dns01CommonFields, DnsServerAddress, ZoneName } from '../../../src/dns/schema.js';

/** The HMACs of RFC 8945 §6 that certloop signs with (./tsig.ts); the schema is where the list lives. */
export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'hmac-sha224', 'hmac-sha1'] as const;
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

const Base64Secret = z
  .string()
  .refine((s) => /^[A-Za-z0-9+/]+={0,2}$/.test(s) && s.length % 4 === 0, {
    message: 'expected the key secret in base64, as in the server\'s key file (secret "…";)',
  });

/** A TSIG key (RFC 8945) as the server's key file gives it: for updates here, and zone transfers (sources/axfr). */
export const TsigKeyConfig = z.strictObject({
  name: z.string().min(1, 'expected the key name as the server knows it'),
  algorithm: z.enum(TSIG_ALGORITHMS).default('hmac-sha256'),
  secret: Base64Secret,
});
export type TsigKeyConfig = z.infer<typeof TsigKeyConfig>;

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

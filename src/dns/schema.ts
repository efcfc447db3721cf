import { z } from 'zod';
import { Duration, DurationWithin, Port, PORT_TEXT } from '../config/fields.js';

/** A DNS server: "host" or "host:port" (port 53 when omitted), IPv6 in brackets: "[::1]:5353". */
export const DnsServerAddress = z.string().regex(new RegExp(`^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+)(:${PORT_TEXT})?$`), {
  message: 'expected HOST or HOST:PORT (a port up to 65535), for example ns1.example.com, 127.0.0.1:5353 or [::1]:5353',
});

/** A zone name; a trailing dot is allowed and dropped, case is folded. */
export const ZoneName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, { message: 'expected a zone name such as example.com' })
  .transform((z) => z.toLowerCase().replace(/\.$/, ''));

/**
 * Settings every dns-01 provider shares: where to check that the record is visible, and for how
 * long. Spread into each provider's strictObject so unknown fields stay errors.
 */
export const Dns01CommonFields = {
  type: z.literal('dns-01'),
  /**
   * The zone's authoritative servers to check before the CA is told to validate. Default: the
   * zone's NS records (port 53), found through `resolvers`.
   */
  nameservers: z.array(DnsServerAddress).min(1, 'list at least one server, or leave nameservers out to use the zone\'s NS records').optional(),
  /** Recursive resolvers used to find the zone and its NS records; default: the system's. */
  resolvers: z.array(DnsServerAddress).min(1).optional(),
  /** How long to wait for every authoritative server to answer the new value. */
  propagationTimeout: DurationWithin(1000, 60 * 60_000).default(120_000),
};

/** Settings the DNS zone watch sources (providers/sources: axfr, azure-dns) share; spread into each one's strictObject. */
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

import { z } from 'zod';
import { Duration, DurationWithin } from '../../../src/config/fields.js';
import { DnsServerAddress } from '../../../src/dns/schema.js';

export { DnsServerAddress, ZoneName } from '../../../src/dns/schema.js';

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

export interface Dns01CommonConfig {
  nameservers?: string[];
  resolvers?: string[];
  propagationTimeout: number;
}

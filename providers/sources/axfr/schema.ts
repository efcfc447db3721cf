import { z } from 'zod';
import { DnsServerAddress, ZoneName, ZoneSourceFields } from '../../../src/dns/schema.js';
import { TsigKeyConfig } from '../../challenges/rfc2136/schema.js';

/**
 * axfr: every A, AAAA and CNAME name of a zone, by zone transfer (RFC 5936) from its
 * authoritative server, signed with TSIG (RFC 8945) when a key is given.
 */
export const AxfrSourceConfig = z.strictObject({
  type: z.literal('axfr'),
  /** The server to transfer from (a primary or any secondary that allows it). */
  server: DnsServerAddress,
  zone: ZoneName,
  /** The TSIG key the server's allow-transfer grants; without it the request is unsigned. */
  tsig: TsigKeyConfig.optional(),
  ...ZoneSourceFields,
});
export type AxfrSourceConfig = z.infer<typeof AxfrSourceConfig>;

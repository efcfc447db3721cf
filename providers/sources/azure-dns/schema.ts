import { z } from 'zod';
import { ZoneSourceFields } from '../../../src/dns/schema.js';
import { AzureDnsConfig } from '../../challenges/azure-dns/schema.js';

/**
 * azure-dns: every A, AAAA and CNAME record set of an Azure DNS zone, read through Azure Resource
 * Manager (@azure/arm-dns) with the same sign-in settings as the dns-01 provider of that name.
 */
export const AzureDnsSourceConfig = AzureDnsConfig.pick({
  subscriptionId: true,
  resourceGroup: true,
  zone: true,
  credential: true,
  endpoint: true,
  caBundle: true,
}).extend({
  type: z.literal('azure-dns'),
  ...ZoneSourceFields,
});
export type AzureDnsSourceConfig = z.infer<typeof AzureDnsSourceConfig>;

import { z } from 'zod';
import { DurationWithin, FilePath } from '../../../src/config/fields.js';
import { AzureCredentialConfig } from '../../../src/azure/credential.js';
import { Dns01CommonFields, ZoneName } from '../../../src/dns/schema.js';

/**
 * azure-dns: TXT values in an Azure DNS zone through Azure Resource Manager (@azure/arm-dns),
 * signing in like the Key Vault target does.
 */
export const AzureDnsConfig = z.strictObject({
  ...Dns01CommonFields,
  provider: z.literal('azure-dns'),
  subscriptionId: z.string().min(1, 'expected the subscription ID that holds the DNS zone'),
  resourceGroup: z.string().min(1, 'expected the resource group of the DNS zone'),
  /** The Azure DNS zone resource name, e.g. example.com. */
  zone: ZoneName,
  credential: AzureCredentialConfig.default({ type: 'default' }),
  /** Azure Resource Manager endpoint for sovereign clouds (default https://management.azure.com). */
  endpoint: z.url({ protocol: /^https$/, message: 'expected an https:// URL' }).optional(),
  /** Extra trusted roots (PEM) for the ARM and sign-in endpoints (Azure Stack, tests). */
  caBundle: FilePath.optional(),
  /** TTL of a TXT record set certloop creates, in seconds (an existing set keeps its TTL). */
  ttl: z.number().int().min(1).max(86_400).default(60),
  /** Deadline of one change of a record set (sign-in, read, write, retries after a conflict). */
  timeout: DurationWithin(1000, 10 * 60_000).default(60_000),
});
export type AzureDnsConfig = z.infer<typeof AzureDnsConfig>;

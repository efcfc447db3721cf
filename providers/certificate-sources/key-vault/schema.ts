import { z } from 'zod';
import { AzureCredentialConfig } from '../../../src/azure/credential.js';
import { DurationWithin, FilePath } from '../../../src/config/fields.js';
import { KeyVaultObjectName, VaultUrl } from '../../targets/key-vault/schema.js';

/**
 * A certificate certloop does not issue: Key Vault holds it (renewed by Key Vault's own CA
 * integration, or written by another tool), and certloop verifies that every endpoint serves the
 * vault's latest enabled version (issue 18 §3). Read-only: certloop never writes to this object.
 */
export const KeyVaultSourceConfig = z.strictObject({
  type: z.literal('key-vault'),
  vaultUrl: VaultUrl,
  certificateName: KeyVaultObjectName,
  /** How certloop signs in (src/azure/credential.ts); it needs to list and read certificates, nothing more. */
  credential: AzureCredentialConfig.default({ type: 'default' }),
  /** Extra trust (PEM) for the vault and the token authority: private endpoints behind a private CA, tests. */
  caBundle: FilePath.optional(),
  /** Skip the check that the vault's auth challenge names the vault's own domain (private DNS names). */
  disableChallengeResourceVerification: z.boolean().default(false),
  /** Longest Retry-After certloop waits for within a run when Key Vault throttles (429/503). */
  maxRetryWait: DurationWithin(0, 10 * 60_000).default(30_000),
  /** Time limit for each Key Vault operation, sign-in included. */
  timeout: DurationWithin(1000, 10 * 60_000).default(30_000),
});
export type KeyVaultSourceConfig = z.infer<typeof KeyVaultSourceConfig>;

/** How status, decisions and messages name the source, from the config alone. */
export function describeKeyVaultSource(config: Pick<KeyVaultSourceConfig, 'vaultUrl' | 'certificateName'>): string {
  return `Key Vault certificate "${config.certificateName}" in ${config.vaultUrl}`;
}

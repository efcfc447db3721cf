import { z } from 'zod';
import { DurationWithin } from '../../../src/config/fields.js';
import { KeyVaultTargetConfig } from '../../targets/key-vault/schema.js';

/**
 * A certificate certloop does not issue: Key Vault holds it (renewed by Key Vault's own CA
 * integration, or written by another tool), and certloop verifies that every endpoint serves the
 * vault's latest enabled version (issue 18 §3). Read-only: certloop never writes to this object.
 */
export const KeyVaultSourceConfig = KeyVaultTargetConfig.pick({
  type: true,
  vaultUrl: true,
  certificateName: true,
  // It needs to list and read certificates, nothing more.
  credential: true,
  caBundle: true,
  disableChallengeResourceVerification: true,
  maxRetryWait: true,
}).extend({
  /** Time limit for each Key Vault operation, sign-in included (a read is quicker than an import: 30s). */
  timeout: DurationWithin(1000, 10 * 60_000).default(30_000),
});
export type KeyVaultSourceConfig = z.infer<typeof KeyVaultSourceConfig>;

/** How status, decisions and messages name the source, from the config alone. */
export function describeKeyVaultSource(config: Pick<KeyVaultSourceConfig, 'vaultUrl' | 'certificateName'>): string {
  return `Key Vault certificate "${config.certificateName}" in ${config.vaultUrl}`;
}

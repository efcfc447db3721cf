import { z } from 'zod';
import { AzureCredentialConfig } from '../../../src/azure/credential.js';
import { DurationWithin, FilePath } from '../../../src/config/fields.js';

const NonEmpty = z.string().min(1, 'expected a value');

/**
 * How certloop authenticates to Key Vault: the credential every Azure provider shares
 * (src/azure/credential.ts). Secrets (clientSecret) belong in `${env:NAME}` or `${file:PATH}`
 * references, never in the config file itself.
 */
export const KeyVaultCredentialConfig = AzureCredentialConfig;
export type KeyVaultCredentialConfig = z.infer<typeof KeyVaultCredentialConfig>;

/** The vault URI, without a trailing slash. */
export const VaultUrl = z
  .url({ protocol: /^https$/, message: 'expected the vault URL, such as https://myvault.vault.azure.net' })
  .transform((u) => u.replace(/\/+$/, ''));

/** Key Vault object names allow letters, digits and hyphens only (no dots). */
export const KeyVaultObjectName = z.string().regex(/^[0-9A-Za-z-]{1,127}$/, {
  message: 'expected 1-127 letters, digits or hyphens (Key Vault names allow no dots: www-example-com, not www.example.com)',
});

/** Azure Key Vault: every deploy imports a new version of one certificate object. */
export const KeyVaultTargetConfig = z.strictObject({
  type: z.literal('key-vault'),
  vaultUrl: VaultUrl,
  certificateName: KeyVaultObjectName,
  credential: KeyVaultCredentialConfig.default({ type: 'default' }),
  /** Optional password for the imported PFX (Key Vault stores the key; consumers read the secret). */
  password: NonEmpty.optional(),
  /** Extra trust (PEM) for the vault and the token authority: private endpoints behind a private CA, tests. */
  caBundle: FilePath.optional(),
  /** Skip the check that the vault's auth challenge names the vault's own domain (private DNS names). */
  disableChallengeResourceVerification: z.boolean().default(false),
  /** On the first run, take over a valid certificate already in the vault instead of ordering one. */
  adopt: z.boolean().default(true),
  /** Longest Retry-After certloop waits for within a run when Key Vault throttles (429/503). */
  maxRetryWait: DurationWithin(0, 10 * 60_000).default(30_000),
  /** Time limit for each Key Vault operation. */
  timeout: DurationWithin(1000, 10 * 60_000).default(60_000),
});
export type KeyVaultTargetConfig = z.infer<typeof KeyVaultTargetConfig>;

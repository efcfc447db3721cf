/**
 * One way to say "how certloop signs in to Azure", shared by every Azure provider (Key Vault
 * target, Azure DNS solver) and the Azure Blob state store: the config schema of each kind of
 * credential, written once, and the one factory that turns it into an @azure/identity credential.
 * The SDK is imported only when a credential is made, so loading a config never pulls it in.
 *
 *   default            DefaultAzureCredential: environment, workload identity, managed identity, az CLI
 *   managed-identity   a system-assigned identity, or a user-assigned one by clientId
 *   workload-identity  Kubernetes Azure Workload Identity (the Blob store offers it)
 *   client-secret      an app registration: tenantId, clientId, clientSecret (use ${env:…} or ${file:…}),
 *                      authorityHost for sovereign clouds or a private authority
 */
import fs from 'node:fs';
import tls from 'node:tls';
import type { TokenCredential } from '@azure/core-auth';
import { z } from 'zod';

export const DefaultCredentialConfig = z.strictObject({ type: z.literal('default') });

export const ManagedIdentityCredentialConfig = z.strictObject({
  type: z.literal('managed-identity'),
  /** Client ID of a user-assigned identity; the system-assigned one when omitted. */
  clientId: z.string().min(1).optional(),
});

/** Kubernetes Azure Workload Identity: the webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE. */
export const WorkloadIdentityCredentialConfig = z.strictObject({
  type: z.literal('workload-identity'),
  clientId: z.string().min(1).optional(),
  tenantId: z.string().min(1).optional(),
});

export const ClientSecretCredentialConfig = z.strictObject({
  type: z.literal('client-secret'),
  tenantId: z.string().min(1, 'expected the Microsoft Entra tenant ID'),
  clientId: z.string().min(1, 'expected the application (client) ID'),
  clientSecret: z.string().min(1, 'expected the client secret (use ${env:NAME} or ${file:PATH})'),
  /** Sign-in endpoint for sovereign clouds or Azure Stack (default https://login.microsoftonline.com). */
  authorityHost: z.url({ protocol: /^https$/, message: 'expected an https:// URL' }).optional(),
});

type CredentialOption = z.ZodObject<{ type: z.ZodLiteral<string> } & z.ZodRawShape, z.core.$strict>;

/** A `credential:` setting offering these kinds; an unknown `type` is named with the known ones. */
export function credentialSetting<const T extends readonly [CredentialOption, ...CredentialOption[]]>(options: T) {
  const names = options.map((o) => o.shape.type.value).join(', ');
  return z.discriminatedUnion('type', options, {
    error: (issue) => (issue.code === 'invalid_union' ? `unknown credential type: expected one of ${names}` : undefined),
  });
}

/** What the Azure providers accept. */
export const AzureCredentialConfig = credentialSetting([DefaultCredentialConfig, ManagedIdentityCredentialConfig, ClientSecretCredentialConfig]);
export type AzureCredentialConfig = z.infer<typeof AzureCredentialConfig>;

/** Every identity the factory below can sign in as. */
export type AzureIdentityConfig =
  | z.infer<typeof DefaultCredentialConfig>
  | z.infer<typeof ManagedIdentityCredentialConfig>
  | z.infer<typeof WorkloadIdentityCredentialConfig>
  | z.infer<typeof ClientSecretCredentialConfig>;

export interface AzureConnectionOptions {
  /** Extra trusted roots (PEM file) for Azure endpoints, on top of the system's (Azure Stack, tests). */
  caBundle?: string;
}

/**
 * Pipeline options that make an Azure SDK client (and a credential) trust `caBundle` in addition
 * to the public roots. `tlsOptions` rather than a custom agent: the pipeline keeps using it behind
 * an HTTPS proxy (where it would replace an agent), and certificate checking stays on.
 */
export function azurePipelineOptions(opts: AzureConnectionOptions): { tlsOptions?: { ca: string[] } } {
  if (!opts.caBundle) return {};
  return { tlsOptions: { ca: [...tls.rootCertificates, fs.readFileSync(opts.caBundle, 'utf8')] } };
}

/** Authority hosts of the Azure clouds, which support instance discovery. */
const AZURE_AUTHORITIES = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);

export async function createAzureCredential(config: AzureIdentityConfig, opts: AzureConnectionOptions = {}): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const pipeline = azurePipelineOptions(opts);
  switch (config.type) {
    case 'default':
      return new identity.DefaultAzureCredential(pipeline);
    case 'managed-identity':
      return config.clientId
        ? new identity.ManagedIdentityCredential({ clientId: config.clientId, ...pipeline })
        : new identity.ManagedIdentityCredential(pipeline);
    case 'workload-identity':
      return new identity.WorkloadIdentityCredential({ clientId: config.clientId, tenantId: config.tenantId, ...pipeline });
    case 'client-secret': {
      // Instance discovery only knows the Azure clouds; a private authority (Azure Stack, tests) has none.
      const privateAuthority = config.authorityHost !== undefined && !AZURE_AUTHORITIES.has(new URL(config.authorityHost).hostname);
      return new identity.ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret, {
        ...pipeline,
        authorityHost: config.authorityHost,
        disableInstanceDiscovery: privateAuthority,
      });
    }
  }
}

/** Replaces any configured secret in a message (SDK errors sometimes echo request details). */
export function scrubSecrets(message: string, config: AzureIdentityConfig): string {
  return config.type === 'client-secret' && config.clientSecret.length >= 4 ? message.split(config.clientSecret).join('[redacted]') : message;
}

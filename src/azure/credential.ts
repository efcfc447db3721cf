/**
 * One way to say "how certloop signs in to Azure", shared by every Azure provider (Key Vault
 * target, Azure DNS solver, ...): the config schema and the factory that turns it into an
 * @azure/identity credential. The SDK is imported only when a credential is made, so loading a
 * config never pulls it in.
 *
 *   default           DefaultAzureCredential: environment, workload identity, managed identity, az CLI
 *   managed-identity  a system-assigned identity, or a user-assigned one by clientId
 *   client-secret     an app registration: tenantId, clientId, clientSecret (use ${env:…} or ${file:…})
 */
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import type { TokenCredential } from '@azure/core-auth';
import type { AdditionalPolicyConfig } from '@azure/core-client';
import { z } from 'zod';

export const AzureCredentialConfig = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('default') }),
    z.strictObject({
      type: z.literal('managed-identity'),
      /** Client ID of a user-assigned identity; the system-assigned one when omitted. */
      clientId: z.string().min(1).optional(),
    }),
    z.strictObject({
      type: z.literal('client-secret'),
      tenantId: z.string().min(1, 'expected the Microsoft Entra tenant ID'),
      clientId: z.string().min(1, 'expected the application (client) ID'),
      clientSecret: z.string().min(1, 'expected the client secret (use ${env:NAME} or ${file:PATH})'),
      /** Sign-in endpoint for sovereign clouds or Azure Stack (default https://login.microsoftonline.com). */
      authorityHost: z.url({ protocol: /^https$/, message: 'expected an https:// URL' }).optional(),
    }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'unknown credential type: expected one of default, managed-identity, client-secret' : undefined,
  },
);
export type AzureCredentialConfig = z.infer<typeof AzureCredentialConfig>;

export interface AzureConnectionOptions {
  /** Extra trusted roots (PEM file) for Azure endpoints, on top of the system's (Azure Stack, tests). */
  caBundle?: string;
}

/**
 * Pipeline options that make an Azure SDK client (and a credential) trust `caBundle` in addition
 * to the public roots, through an HTTPS agent: certificate checking stays on.
 */
export function azurePipelineOptions(opts: AzureConnectionOptions): { additionalPolicies?: AdditionalPolicyConfig[] } {
  if (!opts.caBundle) return {};
  const agent = new https.Agent({ keepAlive: true, ca: [...tls.rootCertificates, fs.readFileSync(opts.caBundle, 'utf8')] });
  return {
    additionalPolicies: [{ position: 'perCall', policy: { name: 'certloopTrustPolicy', sendRequest: (req, next) => {
          req.agent = agent;
          return next(req);
        } } }],
  };
}

export async function createAzureCredential(config: AzureCredentialConfig, opts: AzureConnectionOptions = {}): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const pipeline = azurePipelineOptions(opts);
  switch (config.type) {
    case 'default':
      return new identity.DefaultAzureCredential(pipeline);
    case 'managed-identity':
      return config.clientId
        ? new identity.ManagedIdentityCredential({ clientId: config.clientId, ...pipeline })
        : new identity.ManagedIdentityCredential(pipeline);
    case 'client-secret':
      return new identity.ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret, {
        ...pipeline,
        ...(config.authorityHost
          ? // A non-Microsoft authority (Azure Stack, a test authority) cannot be checked against
            // Microsoft's instance-discovery endpoint.
            { authorityHost: config.authorityHost, disableInstanceDiscovery: true }
          : {}),
      });
  }
}

/** Replaces any configured secret in a message (SDK errors sometimes echo request details). */
export function scrubSecrets(message: string, config: AzureCredentialConfig): string {
  return config.type === 'client-secret' && config.clientSecret.length >= 4 ? message.split(config.clientSecret).join('[redacted]') : message;
}

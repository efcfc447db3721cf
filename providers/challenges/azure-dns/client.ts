/**
 * The Azure DNS client and the reading of its errors, shared by the dns-01 solver and the
 * `azure-dns` watch source: both sign in the same way and meet the same failures.
 */
import type { DnsManagementClient } from '@azure/arm-dns';
import { azurePipelineOptions, createAzureCredential, scrubSecrets, type AzureCredentialConfig } from '../../../src/azure/credential.js';

export interface ArmDnsSettings {
  subscriptionId: string;
  credential: AzureCredentialConfig;
  /** Azure Resource Manager endpoint for sovereign clouds and tests. */
  endpoint?: string;
  caBundle?: string;
}

/** Loads @azure/arm-dns only now: the Azure SDKs take longer to load than a quiet run (bench/idle). */
export async function createArmDnsClient(settings: ArmDnsSettings): Promise<DnsManagementClient> {
  const { DnsManagementClient } = await import('@azure/arm-dns');
  const connection = { caBundle: settings.caBundle };
  const credential = await createAzureCredential(settings.credential, connection);
  return new DnsManagementClient(credential, settings.subscriptionId, {
    ...azurePipelineOptions(connection),
    ...(settings.endpoint ? { endpoint: settings.endpoint, $host: settings.endpoint.replace(/\/$/, '') } : {}),
  });
}

export interface ArmErrorFacts {
  status?: number;
  code?: string;
  /** The first line of the message, secrets removed. */
  detail: string;
  /** Set when signing in failed: the sentence to show and whether trying again may help. */
  signIn?: { message: string; retryable: boolean };
}

/**
 * What an SDK or sign-in error says, without secrets. The SDK error itself is not to be kept as
 * a cause: it holds the request, Authorization header included.
 */
export function armErrorFacts(err: unknown, credential: AzureCredentialConfig): ArmErrorFacts {
  const status = (err as { statusCode?: number }).statusCode;
  const code = (err as { code?: string }).code;
  const detail = scrubSecrets((err as Error).message ?? String(err), credential).split('\n')[0];
  const name = (err as Error).name;
  if (/^(CredentialUnavailable|Authentication|AggregateAuthentication|AuthenticationRequired)Error$/.test(name)) {
    // Entra answers carry a stable AADSTS code and sentence amid correlation noise; keep those.
    const aadsts = /AADSTS\d+:[^.]*\./.exec(detail)?.[0];
    return {
      status,
      code,
      detail,
      signIn: {
        message: `cannot sign in to Azure with the ${credential.type} credential: ${aadsts ?? detail}`,
        retryable: name !== 'CredentialUnavailableError' && aadsts === undefined,
      },
    };
  }
  return { status, code, detail };
}

/** "HTTP 404 ParentResourceNotFound", "HTTP 500", or "" without a status. */
export function statusText(facts: ArmErrorFacts): string {
  return facts.status ? `HTTP ${facts.status}${facts.code ? ` ${facts.code}` : ''}` : '';
}

/**
 * Turns what the Azure SDKs throw into a CertloopError that tells the operator what to do: which
 * permission is missing, which setting is wrong, whether the next run will simply retry. Messages
 * are built from status codes, service error codes and our own words; secrets the config holds
 * (client secret, PFX password) are scrubbed from anything that came from elsewhere.
 */
import { CertloopError, type ErrorCode, type Step } from '../../../src/errors.js';
import type { KeyVaultTargetConfig } from './schema.js';

/** What certloop was doing, for the message and for the permission it needs. */
export type Operation = 'import' | 'get' | 'list' | 'update' | 'get-secret';

const PERMISSION: Record<Operation, string> = {
  import: 'the role "Key Vault Certificates Officer" (RBAC) or the certificate permissions import and get (access policy)',
  get: 'the role "Key Vault Certificates Officer" or "Key Vault Certificate User" (RBAC) or the certificate permission get (access policy)',
  list: 'the role "Key Vault Certificates Officer" (RBAC) or the certificate permission list (access policy)',
  update: 'the role "Key Vault Certificates Officer" (RBAC) or the certificate permission update (access policy)',
  'get-secret': 'the role "Key Vault Secrets User" (RBAC) or the secret permission get (access policy), or set adopt: false',
};

const WHAT: Record<Operation, string> = {
  import: 'import a new version of',
  get: 'read',
  list: 'list the versions of',
  update: 'update the tags of',
  'get-secret': 'read the private key (secret) of',
};

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  response?: { headers?: { get(name: string): string | undefined } };
  details?: { error?: { code?: string; message?: string; innerError?: { code?: string } } };
  errorResponse?: { error?: string; errorDescription?: string };
  errors?: unknown[];
}

/** What the messages need of a Key Vault target's or source's settings. */
export type KeyVaultErrorContext = Pick<KeyVaultTargetConfig, 'vaultUrl' | 'certificateName' | 'credential' | 'timeout' | 'maxRetryWait'> & { password?: string };

export function classifyKeyVaultError(
  err: unknown,
  op: Operation,
  config: KeyVaultErrorContext,
  certificate: string,
  step: Step = 'deploy',
  errorCode: ErrorCode = 'DEPLOY_FAILED',
): CertloopError {
  if (err instanceof CertloopError) return err;
  const e = (err ?? {}) as SdkError;
  const vault = config.vaultUrl;
  const host = safeHost(vault);
  const object = `certificate "${config.certificateName}" in ${vault}`;
  const fail = (message: string, opts: { retryable?: boolean; retryAfterSeconds?: number } = {}) =>
    new CertloopError(errorCode, scrub(message, config), { certificate, step, cause: err, ...opts });

  if (e.name === 'AbortError' || e.name === 'TimeoutError') return fail(`Key Vault did not answer within ${config.timeout / 1000}s while trying to ${WHAT[op]} ${object}`);

  const service = e.details?.error;
  const serviceText = service?.code ? `${service.code}${service.innerError?.code ? `/${service.innerError.code}` : ''}: ${firstLine(service.message)}` : firstLine(e.message);
  switch (e.statusCode) {
    case 400:
      return fail(`Key Vault refused to ${WHAT[op]} ${object} (400 ${serviceText})`, { retryable: false });
    case 401:
      return fail(`Key Vault rejected certloop's token (401 ${serviceText}): check that credential belongs to the vault's tenant`);
    case 403:
      return fail(`Key Vault denied certloop permission to ${WHAT[op]} ${object} (403 ${serviceText}): grant the identity certloop runs as ${PERMISSION[op]}; if the vault has a firewall, allow this network`);
    case 404:
      return fail(`Key Vault answered 404 when trying to ${WHAT[op]} ${object} (${serviceText}): check vaultUrl (the vault's URI, e.g. https://NAME.vault.azure.net) and certificateName`);
    case 409:
      return fail(`Key Vault refused to ${WHAT[op]} ${object} (409 ${serviceText}): a deleted certificate with this name may be waiting in soft-delete; recover or purge it, or choose another certificateName`);
    case 429:
    case 503: {
      const after = Number(e.response?.headers?.get('retry-after'));
      const retryAfterSeconds = Number.isFinite(after) ? after : undefined;
      return fail(
        `Key Vault is throttling (${e.statusCode}${retryAfterSeconds !== undefined ? `, Retry-After ${retryAfterSeconds}s` : ''}) and certloop stopped waiting after maxRetryWait ${config.maxRetryWait / 1000}s; the next run retries${errorCode === 'DEPLOY_FAILED' ? ' with the same certificate' : ''}`,
        { retryAfterSeconds },
      );
    }
  }
  if (e.statusCode && e.statusCode >= 500) return fail(`Key Vault failed to ${WHAT[op]} ${object} (${e.statusCode} ${serviceText}); the next run retries`);

  const code = e.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return fail(`cannot resolve the vault host ${host} (${code}): check vaultUrl; with a private endpoint, this machine must resolve the vault name to its private address`);
  }
  if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return fail(`cannot connect to the vault ${host} (${code}): check vaultUrl, the network path and the vault's firewall`);
  }
  if (TLS_CODES.has(code)) {
    return fail(`TLS to the vault ${host} failed (${code}): if the vault is reached through a proxy or private endpoint with its own CA, set caBundle to that CA's certificate`, { retryable: false });
  }
  if (/challenge resource .* does not match/i.test(e.message ?? '')) {
    return fail(`the vault's authentication challenge names another domain than ${host}: if this vault is reached through a private name, set disableChallengeResourceVerification: true`, { retryable: false });
  }
  if (e.name === 'AuthenticationError' || e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError' || e.name === 'AuthenticationRequiredError') {
    const detail = e.errorResponse?.error ? `${e.errorResponse.error}: ${firstLine(e.errorResponse.errorDescription)}` : firstLine(e.message);
    return fail(`cannot get a token for Key Vault with credential type ${config.credential.type} (${detail}): ${credentialHint(config)}`);
  }
  return fail(`cannot ${WHAT[op]} ${object}: ${firstLine(e.message) || String(err)}`);
}

function credentialHint(config: KeyVaultErrorContext): string {
  switch (config.credential.type) {
    case 'client-secret':
      return 'check tenantId, clientId and clientSecret (an expired client secret is the usual cause)';
    case 'managed-identity':
      return 'check that this machine has a managed identity and, for a user-assigned one, that clientId is its client ID';
    default:
      return 'DefaultAzureCredential found no usable identity: set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, use a managed identity, or choose another credential type';
  }
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0].trim().slice(0, 300);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Removes the configured secrets from a message that may quote what another system said. */
export function scrub(message: string, config: KeyVaultErrorContext): string {
  let out = message;
  const secrets = [config.password, config.credential.type === 'client-secret' ? config.credential.clientSecret : undefined];
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * Builds the Azure Blob container client for `state: { type: azure-blob }` and wraps it in a
 * BlobStore. Loaded only when that store is configured (see open.ts).
 */
import { AnonymousCredential, BlobServiceClient, ContainerClient, newPipeline, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';
import { createAzureCredential } from '../azure/credential.js';
import { CertloopError } from '../errors.js';
import { BlobStore } from './blob.js';
import type { AzureBlobStateConfig, AzureCredentialConfig } from './config.js';

export const DEFAULT_CONTAINER = 'certloop';
const DEFAULT_TIMEOUT_MS = 30_000;

export async function openBlobStore(config: AzureBlobStateConfig): Promise<BlobStore> {
  const container = await containerClient(config);
  return new BlobStore({ container, prefix: config.prefix, leaseSeconds: Math.round(config.leaseDuration / 1000), timeoutMs: config.timeout ?? DEFAULT_TIMEOUT_MS });
}

/**
 * A deadline on every request (issue 16): the SDK's own tryTimeoutInMs only asks the *server* to
 * give up (a `timeout` URL parameter), so an endpoint that accepted the connection and never
 * answered was waited on for ever. A policy in the client's pipeline gives each request a
 * client-side timeout (core-rest-pipeline's request.timeout aborts connect, wait and body alike);
 * certloop's own schedule retries a run that failed on it.
 */
function withDeadline(url: string, credential: StorageSharedKeyCredential | AnonymousCredential | TokenCredential, config: AzureBlobStateConfig): BlobServiceClient {
  const timeout = config.timeout ?? DEFAULT_TIMEOUT_MS;
  const pipeline = newPipeline(credential, { retryOptions: { tryTimeoutInMs: timeout } });
  // A request policy of the SDK's older kind: the pipeline builds these in once, for every client made from it.
  pipeline.factories.push({
    create: (next: { sendRequest(r: unknown): Promise<unknown> }) => ({
      sendRequest: (request: { timeout: number }) => {
        request.timeout = timeout;
        return next.sendRequest(request);
      },
    }),
  } as unknown as (typeof pipeline.factories)[number]);
  return new BlobServiceClient(url, pipeline);
}

async function containerClient(config: AzureBlobStateConfig): Promise<ContainerClient> {
  if (config.connectionString) {
    let service: BlobServiceClient;
    try {
      const parsed = BlobServiceClient.fromConnectionString(config.connectionString);
      service = withDeadline(parsed.url, parsed.credential, config);
    } catch {
      // The SDK's message may quote the string, which carries the account key: say it in our words.
      throw new CertloopError('CONFIG_INVALID', 'state.connectionString is not a valid Azure Storage connection string (expected AccountName=...;AccountKey=... or BlobEndpoint=...;SharedAccessSignature=...)', {
        step: 'config',
        retryable: false,
      });
    }
    return service.getContainerClient(config.container ?? DEFAULT_CONTAINER);
  }
  const { endpoint, container } = splitUrl(config.url!, config.container);
  const hasSas = new URL(endpoint).search.includes('sig=');
  const credential = hasSas ? new AnonymousCredential() : await credentialFor(config.credential, endpoint);
  return withDeadline(endpoint, credential, config).getContainerClient(container);
}

/**
 * `url` is the account's blob endpoint; on Azure (ACCOUNT.blob.core.windows.net and sovereign
 * clouds) one path segment names the container, as in the portal's container URL.
 */
export function splitUrl(url: string, container: string | undefined): { endpoint: string; container: string } {
  const u = new URL(url);
  const segments = u.pathname.split('/').filter(Boolean);
  if (/\.blob\.core\./.test(u.hostname) && segments.length === 1) {
    const fromUrl = segments[0];
    if (container && container !== fromUrl) {
      throw new CertloopError('CONFIG_INVALID', `state.url names container "${fromUrl}" but state.container says "${container}"; keep one`, { step: 'config', retryable: false });
    }
    u.pathname = '/';
    return { endpoint: u.toString(), container: fromUrl };
  }
  return { endpoint: url, container: container ?? DEFAULT_CONTAINER };
}

async function credentialFor(c: AzureCredentialConfig | undefined, endpoint: string): Promise<TokenCredential | StorageSharedKeyCredential> {
  if (c?.type === 'account-key') {
    const u = new URL(endpoint);
    // Emulators use path-style URLs (http://127.0.0.1:10000/ACCOUNT); Azure puts it in the host.
    const account = /^[\d.]+$|^localhost$|^\[/.test(u.hostname) ? u.pathname.split('/').filter(Boolean)[0] ?? '' : u.hostname.split('.')[0];
    return new StorageSharedKeyCredential(account, c.accountKey);
  }
  return createAzureCredential(c ?? { type: 'default' });
}

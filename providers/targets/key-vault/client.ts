/**
 * The Azure SDK clients for one Key Vault target, created on first use. The SDKs are imported here
 * with `import()`, so loading a config (or running a config without Key Vault targets) never pays
 * for loading them.
 *
 * Two pipeline settings matter:
 * - Extra trust (`caBundle`) goes in `tlsOptions`, which the SDK's HTTP client turns into its
 *   agents' `ca` (also when an HTTPS proxy is configured, unlike a custom `agent`). Node's roots are
 *   kept: `ca` replaces them otherwise. Nothing is changed process-wide.
 * - The SDK's own retry policy honours any Retry-After, however long, so it is switched off and
 *   {@link boundedRetryPolicy} retries throttling and transient failures only within `maxRetryWait`;
 *   beyond that the deploy fails and the next run retries it with the same certificate.
 */
import fs from 'node:fs';
import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';
import type { CertificateClient } from '@azure/keyvault-certificates';
import type { SecretClient } from '@azure/keyvault-secrets';
import { CertloopError, type ErrorCode, type Step } from '../../../src/errors.js';
import type { Logger } from '../../../src/observability/logger.js';
import { azurePipelineOptions, createAzureCredential } from '../../../src/azure/credential.js';
import type { KeyVaultTargetConfig } from './schema.js';

export interface KeyVaultClients {
  certificates: CertificateClient;
  /** Only adoption reads the certificate's secret (its private key). */
  secrets(): Promise<SecretClient>;
}

/** What the clients need of a Key Vault target's or source's settings. */
export type KeyVaultConnection = Pick<KeyVaultTargetConfig, 'vaultUrl' | 'credential' | 'caBundle' | 'maxRetryWait' | 'disableChallengeResourceVerification'>;

export async function openClients(
  config: KeyVaultConnection,
  certificate: string,
  log: Logger,
  failure: { code: ErrorCode; step: Step } = { code: 'DEPLOY_FAILED', step: 'deploy' },
): Promise<KeyVaultClients> {
  if (config.caBundle) readCaBundle(config.caBundle, certificate, failure); // a clear error before the SDK's
  const { tlsOptions } = azurePipelineOptions({ caBundle: config.caBundle });
  const { CertificateClient } = await import('@azure/keyvault-certificates');
  const credential = await createAzureCredential(config.credential, { caBundle: config.caBundle });
  const options = {
    ...(tlsOptions ? { tlsOptions } : {}),
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: boundedRetryPolicy(config.maxRetryWait, log, certificate), position: 'perCall' as const }],
    disableChallengeResourceVerification: config.disableChallengeResourceVerification,
  };
  let secrets: Promise<SecretClient> | undefined;
  return {
    certificates: new CertificateClient(config.vaultUrl, credential, options),
    secrets: () =>
      (secrets ??= import('@azure/keyvault-secrets').then(({ SecretClient }) => new SecretClient(config.vaultUrl, credential, options))),
  };
}

function readCaBundle(file: string, certificate: string, failure: { code: ErrorCode; step: Step }): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CertloopError(failure.code, `cannot read the key-vault caBundle ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      certificate,
      step: failure.step,
      retryable: false,
    });
  }
}

const TRANSIENT_STATUS = new Set([500, 502, 504]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ESOCKETTIMEDOUT']);
const MAX_ATTEMPTS = 5;

/**
 * Retries 429/503 after their Retry-After (or a short backoff without one) and 500/502/504 or a
 * dropped connection after a short backoff, as long as the total wait stays within `budgetMs`.
 * Anything longer is the next run's job: certloop runs again anyway, and a run must not stall.
 */
export function boundedRetryPolicy(budgetMs: number, log: Logger, certificate: string): PipelinePolicy {
  return {
    name: 'certloopBoundedRetry',
    async sendRequest(request, next) {
      let waited = 0;
      for (let attempt = 1; ; attempt++) {
        let response: PipelineResponse | undefined;
        let error: unknown;
        try {
          response = await next(request);
        } catch (err) {
          error = err;
        }
        const backoff = Math.min(500 * 2 ** (attempt - 1), 8000);
        let wait: number | undefined;
        if (response && (response.status === 429 || response.status === 503)) wait = retryAfterMs(response) ?? backoff;
        else if (response && TRANSIENT_STATUS.has(response.status)) wait = backoff;
        else if (error && TRANSIENT_CODES.has((error as { code?: string }).code ?? '')) wait = backoff;

        if (wait === undefined || attempt >= MAX_ATTEMPTS || waited + wait > budgetMs || request.abortSignal?.aborted) {
          if (error) throw error;
          return response!;
        }
        log.warn(
          { certificate, status: response?.status, code: (error as { code?: string } | undefined)?.code, waitMs: wait, attempt },
          'Key Vault asked to retry; waiting',
        );
        await sleep(wait, request.abortSignal);
        waited += wait;
      }
    },
  };
}

export function retryAfterMs(response: PipelineResponse): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = Number(response.headers.get(name) ?? NaN);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function sleep(ms: number, signal?: { aborted: boolean; addEventListener?: (t: 'abort', l: () => void) => void }): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener?.('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

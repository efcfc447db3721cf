/**
 * Typed errors. Every error certloop raises on purpose carries a stable code (ERROR_CODES is the
 * table of docs/error-codes.md, which `npm run docs` writes from it), the certificate and the
 * step it happened in, and keeps its cause. Messages never contain key material: callers pass
 * descriptions, never PEM.
 */

export type Step =
  | 'config'
  | 'observe'
  | 'decide'
  | 'issue'
  | 'check'
  | 'deploy'
  | 'reload'
  | 'verify'
  | 'state'
  | 'lock'
  | 'revoke'
  | 'account';

export const ERROR_CODES = {
  CONFIG_INVALID: 'the configuration file is missing, unreadable or does not match the schema',
  ACME_ACCOUNT: 'the ACME account could not be created or loaded',
  ACME_ORDER: 'the ACME server refused or failed the order',
  ACME_UNREACHABLE: 'the ACME server could not be reached, did not answer within its deadline, or is not an HTTPS server',
  CHALLENGE_FAILED: 'the challenge solver could not present or the CA could not validate',
  CERT_CHECK_FAILED: 'the issued certificate failed the pre-deploy checks (key, names, validity, chain, path rules)',
  DEPLOY_FAILED: 'a deployment target could not store the certificate',
  RELOAD_FAILED: 'the reload command failed or timed out',
  VERIFY_FAILED: 'an endpoint does not serve the deployed certificate',
  STATE_FAILED: 'the state store could not be read or written (the message names the file and what to do: damaged, read-only, a folder, disk full)',
  LOCK_BUSY: 'another certloop process holds the lock for this certificate',
  NOTIFY_FAILED: 'a notification could not be delivered after its retries (renewal goes on regardless)',
  UNKNOWN_PROVIDER: 'the configuration names a solver, target or notifier that does not exist',
  USAGE: 'the command line is wrong',
  SOURCE_FAILED: 'a source could not be read: a watch source (an inventory file, a DNS zone) could not list its names, so its endpoints from the last listing stay watched; or the Key Vault that holds a certificate certloop does not issue did not answer',
  ROLLBACK_REFUSED: 'there is no previous certificate, or it is expired, inside its emergency window or fails the pre-deploy checks',
  ACME_REVOKE: 'the ACME server refused or failed the revocation (RFC 8555 §7.6)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class CertloopError extends Error {
  readonly code: ErrorCode;
  readonly certificate?: string;
  readonly step?: Step;
  /** A do-not-retry error stops retry loops within a run (cf. certmagic's ErrNoRetry). */
  readonly retryable: boolean;
  /** Seconds the other side asked us to wait (ACME 429/503 Retry-After). */
  readonly retryAfterSeconds?: number;

  constructor(
    code: ErrorCode,
    message: string,
    opts: {
      certificate?: string;
      step?: Step;
      cause?: unknown;
      retryable?: boolean;
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CertloopError';
    this.code = code;
    this.certificate = opts.certificate;
    this.step = opts.step;
    this.retryable = opts.retryable ?? true;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      certificate: this.certificate,
      step: this.step,
      retryable: this.retryable,
    };
  }
}

/** One problem in a configuration file, located precisely enough to fix without guessing. */
export interface ConfigProblem {
  file: string;
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export class ConfigError extends CertloopError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super('CONFIG_INVALID', problems.map(formatProblem).join('\n'), { step: 'config', retryable: false });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/**
 * Work stopped because certloop is shutting down (the run's AbortSignal was aborted with this as
 * its reason): a request in flight or a wait was cut short. Not a failure of the step, so it is
 * neither recorded nor counted against the CA; the next run resumes from what was stored.
 */
export class Interrupted extends Error {
  constructor(message = 'certloop is shutting down') {
    super(message);
    this.name = 'Interrupted';
  }
}

/** Short text for an unknown thrown value, for logs and conditions. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Which ACME CA to order from, per attempt. The primary (acme.directory) first; when it keeps
 * failing *for reasons on the CA's side* (unreachable, 5xx, 429 with a Retry-After that ends past
 * the certificate's emergency time) the next of acme.fallback, each with its own account. A
 * failure on our side (challenge, bad config) never switches CA: another CA would fail the same way.
 *
 * The failure counts live in the certificate's record and are cleared by a successful order, so
 * the following renewal starts again at the primary. Within one attempt each CA is tried at most
 * once, so a CA outage does not also cost the retry schedule.
 */
import type acme from 'acme-client';
import type { AcmeConfig } from '../config/schema.js';
import { CertloopError, describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { RenewalPolicy } from '../policy/types.js';
import { emergencyTime } from '../policy/emergency.js';
import type { CertificateRecord } from '../state/record.js';
import type { StateStore } from '../state/store.js';
import { trustAcmeServer } from './trust.js';

type AcmeSettings = { directory: string; email?: string; caBundle?: string; eab?: { kid: string; hmacKey: string } };

export interface CaEndpoint extends AcmeSettings {
  /** 0 is the primary, 1.. the fallbacks in order. */
  index: number;
  /** "primary" or "fallback 1", "fallback 2", ... for logs and status. */
  label: string;
}

export type CaProblem = 'unreachable' | 'server-error' | 'rate-limited';

/** What the record keeps per directory until the next successful order. */
export interface CaFailureState {
  count: number;
  /** A CaProblem. */
  problem: string;
  message: string;
  at: string;
  /** The CA asked not to come back before this time (Retry-After). */
  retryAfterUntil?: string;
}

export interface CaChoice {
  ca: CaEndpoint;
  /** Why this CA (for logs, events and status). */
  reason: string;
}

export function caEndpoints(config: Pick<AcmeConfig, 'directory' | 'email' | 'caBundle' | 'eab' | 'fallback'>): CaEndpoint[] {
  const primary: CaEndpoint = { directory: config.directory, email: config.email, caBundle: config.caBundle, eab: config.eab, index: 0, label: 'primary' };
  return [primary, ...(config.fallback ?? []).map((f, i) => ({ ...f, email: f.email ?? config.email, index: i + 1, label: `fallback ${i + 1}` }))];
}

/** `--ca primary|fallback|fallback-N|URL` to one configured CA, or a usage error naming the choices. */
export function resolveCaSpec(spec: string, endpoints: CaEndpoint[]): CaEndpoint {
  const m = /^fallback(?:-(\d+))?$/.exec(spec);
  const found =
    spec === 'primary'
      ? endpoints[0]
      : m
        ? endpoints[Number(m[1] ?? 1)]
        : endpoints.find((e) => e.directory === spec || e.directory === spec.replace(/\/$/, ''));
  if (!found || (m && found.index === 0)) {
    const choices = ['primary', ...endpoints.slice(1).map((e) => `fallback-${e.index}`), ...endpoints.map((e) => e.directory)];
    throw new CertloopError('USAGE', `--ca ${spec}: no such CA in acme.directory/acme.fallback (choose one of ${choices.join(', ')})`, { retryable: false });
  }
  return found;
}

/** Is this failure the CA's fault (so another CA may succeed)? */
export function caProblemOf(err: unknown): CaProblem | undefined {
  if (!(err instanceof CertloopError)) return undefined;
  if (err.code === 'ACME_UNREACHABLE') return 'unreachable';
  if (err.code !== 'ACME_ORDER' && err.code !== 'ACME_ACCOUNT') return undefined;
  const status = (err.cause as { response?: { status?: number } } | undefined)?.response?.status;
  if (status === 429) return 'rate-limited';
  if (status !== undefined && status >= 500) return 'server-error';
  return undefined;
}

/**
 * The CA for the next attempt. Pure: `failures` from the record, `deadline` is when waiting for
 * a CA is no longer acceptable (the current certificate's emergency time, or now without one).
 */
export function chooseCa(
  endpoints: CaEndpoint[],
  failures: Record<string, CaFailureState>,
  deadline: Date,
  failoverAfter: number,
): CaChoice {
  const candidates = endpoints;
  const givenUp = (e: CaEndpoint): string | undefined => {
    const f = failures[e.directory];
    if (!f) return undefined;
    if (f.retryAfterUntil && Date.parse(f.retryAfterUntil) > deadline.getTime()) {
      return `${e.label} ${e.directory} is rate limited until ${f.retryAfterUntil}, past ${deadline.toISOString()}`;
    }
    if (f.count >= failoverAfter) return `${e.label} ${e.directory} failed ${f.count} time(s) in a row (${f.problem}: ${f.message})`;
    return undefined;
  };
  const skipped: string[] = [];
  for (const e of candidates) {
    const why = givenUp(e);
    if (!why) return { ca: e, reason: skipped.length ? skipped.join('; ') : e.index === 0 ? 'primary CA' : `${e.label}` };
    skipped.push(why);
  }
  // Every CA is failing: try the one that failed longest ago, so each gets its turn.
  const oldest = [...candidates].sort((a, b) => Date.parse(failures[a.directory].at) - Date.parse(failures[b.directory].at))[0];
  return { ca: oldest, reason: `every CA is failing (${skipped.join('; ')}); trying the one that failed longest ago` };
}

export interface CaSelector {
  /**
   * Runs `attempt` against the chosen CA, moving on to the next one while the failure is the
   * CA's fault. Returns the result and the directory that produced it.
   */
  order<T>(record: CertificateRecord, attempt: (directory: string, client: () => Promise<acme.Client>) => Promise<T>): Promise<{ result: T; directory: string }>;
}

export interface CaFailoverOptions {
  endpoints: CaEndpoint[];
  store: StateStore;
  log: Logger;
  policy: RenewalPolicy;
  certificate: string;
  failoverAfter: number;
  now: () => Date;
  /** `renew --ca`: use only this CA, no failover. */
  only?: CaEndpoint;
  /** Tell people an order goes to a fallback CA (the event bus: history, notifiers, metrics). */
  announce: (message: string, data: { directory: string; fallback: number }) => Promise<unknown>;
}

export function caFailover(o: CaFailoverOptions): CaSelector {
  const clientFor = (ca: CaEndpoint) => () => {
    trustAcmeServer(ca.caBundle);
    // Loaded only when an order is placed: a quiet run never needs acme-client.
    return import('./client.js').then(({ accountClient }) => accountClient({ directory: ca.directory, email: ca.email, eab: ca.eab, store: o.store }));
  };
  return {
    async order(record, attempt) {
      const tried = new Set<string>();
      const endpoints = o.only ? [o.only] : o.endpoints;
      let lastError: unknown;
      for (;;) {
        const now = o.now();
        const deadline = record.issued ? emergencyTime(record.issued, o.policy) : now;
        const choice = chooseCa(endpoints, record.caFailures ?? {}, deadline, o.failoverAfter);
        // The CA to use now was already tried in this attempt: it keeps failing, stop until the next one.
        if (tried.has(choice.ca.directory)) throw withoutRetryAfter(lastError, endpoints.length > 1);
        tried.add(choice.ca.directory);
        if (choice.ca.index > 0) {
          const message = `ordering from ${choice.ca.label} ${choice.ca.directory}${o.only ? ' (chosen with --ca)' : `: ${choice.reason}`}`;
          o.log.warn({ certificate: o.certificate, ca: choice.ca.directory, fallback: choice.ca.index }, message);
          await o.announce(message, { directory: choice.ca.directory, fallback: choice.ca.index });
        }
        try {
          const result = await attempt(choice.ca.directory, clientFor(choice.ca));
          // The next renewal starts at the primary again.
          if (record.caFailures) {
            record.caFailures = undefined;
            await o.store.put(record);
          }
          return { result, directory: choice.ca.directory };
        } catch (err) {
          const problem = caProblemOf(err);
          if (!problem) throw err;
          lastError = err;
          noteFailure(record, choice.ca, problem, err as CertloopError, o.now());
          o.log.warn({ certificate: o.certificate, ca: choice.ca.directory, problem, err: describeError(err) }, `${choice.ca.label} CA failed (${problem})`);
        }
      }
    },
  };
}

function noteFailure(record: CertificateRecord, ca: CaEndpoint, problem: CaProblem, err: CertloopError, now: Date): void {
  const failures = (record.caFailures ??= {});
  const prev = failures[ca.directory];
  failures[ca.directory] = {
    count: (prev?.count ?? 0) + 1,
    problem,
    message: err.message,
    at: now.toISOString(),
    retryAfterUntil: err.retryAfterSeconds ? new Date(now.getTime() + err.retryAfterSeconds * 1000).toISOString() : undefined,
  };
}

/**
 * With another CA to turn to, one CA's Retry-After must not hold back the whole certificate's
 * retry schedule (the choice above already avoids that CA until its Retry-After has passed).
 */
function withoutRetryAfter(err: unknown, haveOthers: boolean): unknown {
  if (!haveOthers || !(err instanceof CertloopError) || err.retryAfterSeconds === undefined) return err;
  return new CertloopError(err.code, err.message, { certificate: err.certificate, step: err.step, cause: err.cause, retryable: err.retryable });
}

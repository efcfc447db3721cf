/**
 * One ACME order, RFC 8555 §7.4: place (or resume) the order → solve each authorization →
 * finalize with a CSR → download. The order URL is handed to `onOrderPlaced` before anything else
 * happens, so a crash mid-order resumes the same order instead of placing a second one (CAs rate
 * limit duplicate orders: 5 per week at Let's Encrypt).
 */
import net from 'node:net';
import acme from 'acme-client';
import { CertloopError, describeError, Interrupted } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { hasLifecycle, type ChallengeTask, type Solver } from '../plugins.js';
import { classifyAcmeError } from './client.js';
import { withAcmeDeadline } from './deadline.js';
import { captured, withResponseCapture } from './response-capture.js';
import { ValidationFailed } from './status-poll.js';
import { acmeTimeouts } from './timeouts.js';
import { chooseProfile, offeredProfiles, type ProfileWish } from './profile.js';

export interface OrderRequest {
  certificate: string;
  domains: string[];
  keyPem: string;
  /** An order placed earlier for the same key and domains, to resume. */
  orderUrl?: string;
  /** RFC 9773 certID of the certificate this one replaces. */
  replaces?: string;
  solver: Solver;
  log: Logger;
  /** ACME profiles asked for, most specific first (profile.ts); checked against the CA's directory. */
  profiles?: ProfileWish[];
  /** `profile`: the one the order was placed with, if any. */
  onOrderPlaced(url: string, profile?: string): Promise<void>;
}

/**
 * Runs `fn` (getting the account, then the order) as one operation with the order deadline
 * (acme.orderTimeout), ended early by `signal` (shutdown): see deadline.ts.
 */
export function asOneOrder<T>(what: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return withAcmeDeadline(what, acmeTimeouts().orderMs, signal, fn);
}

export function obtainCertificate(client: acme.Client, req: OrderRequest): Promise<string> {
  // Each order notes the CA's last error response (status, problem type, Retry-After) for itself.
  return withResponseCapture(() => placeAndFinish(client, req));
}

async function placeAndFinish(client: acme.Client, req: OrderRequest): Promise<string> {
  const { certificate, log } = req;
  const fail = (err: unknown, what: string) => classifyAcmeError(err, 'ACME_ORDER', what, certificate);

  // Resume the order we already placed, when the CA still has it in a usable state.
  let order = req.orderUrl ? await resumeOrder(client, req.orderUrl, log, certificate) : undefined;
  if (!order) {
    const profile = await profileFor(client, req);
    try {
      order = await createOrder(client, req.domains, req.replaces, profile);
    } catch (err) {
      // RFC 9773 §5: a CA may refuse `replaces` (alreadyReplaced, or a CA that does not know the
      // field); the renewal matters more than the hint, so order again without it.
      const seen = captured();
      if (!req.replaces || !(seen?.status === 400 || seen?.status === 409) || seen.problemType?.endsWith(':rateLimited')) {
        throw fail(err, 'the CA refused the new order');
      }
      log.warn({ certificate, replaces: req.replaces, err: describeError(err), problem: seen.problemType }, 'the CA refused the order with "replaces"; ordering again without it');
      try {
        order = await createOrder(client, req.domains, undefined, profile);
      } catch (err2) {
        throw fail(err2, 'the CA refused the new order');
      }
    }
    await req.onOrderPlaced(order.url, profile);
    log.info({ certificate, order: order.url, ...(profile ? { profile } : {}) }, 'order placed');
  }

  if (order.status === 'pending') await solveAuthorizations(client, order, req);

  if (order.status === 'pending' || order.status === 'ready') {
    try {
      // The subject names a DNS name, never an address: an IP-only certificate gets no common
      // name (CAs take the names from the subjectAltName; Let's Encrypt leaves CN out of IP certificates).
      const commonName = req.domains.find((d) => net.isIP(d) === 0);
      const [, csr] = await acme.crypto.createCsr({ ...(commonName ? { commonName } : {}), altNames: [...req.domains] }, req.keyPem);
      order = await client.finalizeOrder(order, csr);
    } catch (err) {
      throw fail(err, 'finalizing the order failed');
    }
    log.info({ certificate }, 'order finalized');
  }

  try {
    const pem = await client.getCertificate(order);
    log.info({ certificate }, 'certificate downloaded');
    return pem;
  } catch (err) {
    throw fail(err, 'downloading the certificate failed');
  }
}

/** RFC 8555 §9.7.7 "dns", or RFC 8738 §3 "ip" for an IPv4/IPv6 address. */
export function acmeIdentifier(value: string): { type: 'dns' | 'ip'; value: string } {
  return { type: net.isIP(value) === 0 ? 'dns' : 'ip', value };
}

/**
 * The profile to send, from the CA's meta.profiles (acme-client's cached directory read, within
 * the request deadline); a required profile the CA does not offer stops the order before it is
 * placed, not retried within the run: only a config change helps.
 */
async function profileFor(client: acme.Client, req: OrderRequest): Promise<string | undefined> {
  if (!req.profiles?.length) return undefined;
  const http = (client as unknown as { http: { getDirectory(): Promise<unknown>; directoryUrl: string } }).http;
  let directory: unknown;
  try {
    directory = await http.getDirectory();
  } catch (err) {
    throw classifyAcmeError(err, 'ACME_ORDER', 'cannot read the ACME directory for its profiles', req.certificate);
  }
  const choice = chooseProfile(req.profiles, offeredProfiles(directory), http.directoryUrl);
  // Step "config": nothing reached the CA, so the next run tries again at once (a fixed config
  // must not wait out the order retry schedule).
  if (!choice.ok) throw new CertloopError('ACME_ORDER', choice.message, { certificate: req.certificate, step: 'config', retryable: false });
  for (const note of choice.notes) req.log.warn({ certificate: req.certificate }, note);
  return choice.profile;
}

function createOrder(client: acme.Client, domains: string[], replaces: string | undefined, profile: string | undefined): Promise<acme.Order> {
  const payload: Record<string, unknown> = { identifiers: domains.map(acmeIdentifier) };
  if (replaces) payload.replaces = replaces;
  if (profile) payload.profile = profile;
  return client.createOrder(payload as unknown as Parameters<acme.Client['createOrder']>[0]);
}

async function resumeOrder(client: acme.Client, url: string, log: Logger, certificate: string): Promise<acme.Order | undefined> {
  try {
    const order = await client.getOrder({ url } as acme.Order);
    if (order.status === 'invalid') {
      log.warn({ certificate, order: url }, 'the earlier order is invalid; placing a new one');
      return undefined;
    }
    log.info({ certificate, order: url, status: order.status }, 'resuming the earlier order');
    return order;
  } catch (err) {
    if (err instanceof Interrupted) throw err;
    // An expired or unknown order (404) is simply gone: start over with the same key.
    log.warn({ certificate, order: url, err: describeError(err) }, 'cannot resume the earlier order; placing a new one');
    return undefined;
  }
}

async function solveAuthorizations(client: acme.Client, order: acme.Order, req: OrderRequest): Promise<void> {
  const { solver, certificate, log } = req;
  let authorizations: acme.Authorization[];
  try {
    authorizations = await client.getAuthorizations(order);
  } catch (err) {
    throw classifyAcmeError(err, 'ACME_ORDER', 'cannot read the order authorizations', certificate);
  }
  const pending = authorizations.filter((a) => a.status === 'pending');
  if (pending.length === 0) return;

  if (hasLifecycle(solver)) await solver.start();
  const presented: ChallengeTask[] = [];
  try {
    // Present every challenge first, then ask the CA to validate: dns-01 wants all TXT values of
    // one name in place at once (a wildcard and its apex share _acme-challenge.NAME).
    // allSettled, not all: a present still in flight when another fails must finish before the
    // cleanup below runs, or its record would be added after cleanup and stay behind.
    const settled = await Promise.allSettled(
      pending.map(async (authz) => {
        const challenge = authz.challenges.find((c) => c.type === solver.challengeType);
        if (!challenge) {
          throw new CertloopError(
            'CHALLENGE_FAILED',
            `the CA offers no ${solver.challengeType} challenge for ${authz.identifier.value} (offered: ${authz.challenges.map((c) => c.type).join(', ')})`,
            { certificate, step: 'issue', retryable: false },
          );
        }
        const task: ChallengeTask = {
          identifier: authz.identifier.value,
          wildcard: authz.wildcard === true,
          token: challenge.token,
          // The key authorization itself (RFC 8555 §8.1) for every type: acme-client returns the
          // dns-01 TXT digest instead, and the dns-01 solvers compute that digest themselves.
          keyAuthorization: await client.getChallengeKeyAuthorization({ ...challenge, type: 'http-01' }),
        };
        // Counted as presented before present() finishes: a dns-01 record added but not seen in
        // time (propagation timeout) must still be cleaned up. Cleanup tolerates absent records.
        presented.push(task);
        await solver.present(task);
        return { authz, challenge };
      }),
    );
    const failedPresent = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failedPresent) throw failedPresent.reason;
    const work = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    await Promise.all(
      work.map(async ({ authz, challenge }) => {
        try {
          await client.completeChallenge(challenge);
          await client.waitForValidStatus(authz);
        } catch (err) {
          // Only the CA's verdict on the challenge is a failed challenge; a CA that could not be
          // reached or answered an error while being asked is the CA's problem (issue 16).
          if (!(err instanceof ValidationFailed)) throw classifyAcmeError(err, 'ACME_ORDER', `asking the CA to validate ${authz.identifier.value} failed`, certificate);
          throw new CertloopError(
            'CHALLENGE_FAILED',
            `${solver.challengeType} validation of ${authz.identifier.value} failed: ${describeError(err)}`,
            { certificate, step: 'issue', cause: err },
          );
        }
        log.info({ certificate, identifier: authz.identifier.value }, 'authorization valid');
      }),
    );
  } finally {
    for (const task of presented) {
      await solver.cleanup(task).catch((err: unknown) =>
        log.warn({ certificate, identifier: task.identifier, err: describeError(err) }, 'challenge cleanup failed'),
      );
    }
    if (hasLifecycle(solver)) {
      await solver.stop().catch((err: unknown) => log.warn({ certificate, err: describeError(err) }, 'stopping the solver failed'));
    }
  }
  order.status = 'ready';
}

/**
 * Verification of one certificate: every address of every endpoint must serve the expected serial.
 * One stale node behind a load balancer is still an outage for the users it serves.
 */
import fs from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import type { EndpointConfig } from '../config/schema.js';
import { loadPemCertificates, systemRootCertificates } from '../pki/certificate.js';
import type { AddressResult } from '../state/record.js';
import { acceptedSerials, judgeAddress, type Companion, type VerifyProblem } from './address.js';
import { confirmServed, type Confirmed, type ConfirmOptions } from './confirm.js';
import { defaultSni, probe, type ProbeResult, type ProbeTarget } from './probe.js';
import { CLIENT_PROFILES } from './profiles.js';
import { createLookup, type FamilyFailure, type Lookup } from './resolver.js';

export type { Companion, VerifyProblem } from './address.js';

/**
 * Probes in flight at once in this process, across every certificate of a run: enough to sweep
 * 1,000 addresses in about a second (bench/verify.ts), few enough not to look like a scan.
 */
export const DEFAULT_PROBE_CONCURRENCY = 64;
let sharedLimit: LimitFunction | undefined;

/** The process-wide probe bound, shared by all certificates verified in one run. */
export function sharedProbeLimit(): LimitFunction {
  sharedLimit ??= pLimit(DEFAULT_PROBE_CONCURRENCY);
  return sharedLimit;
}

export interface VerifySettings {
  /** DNS servers to resolve with (HOST:PORT); the system resolver when absent. */
  resolver?: string[];
  /** Trust store for `chain-trusted`; default: Node's bundled roots. */
  roots?: X509Certificate[];
  /** `not-expiring` alert threshold: the certificate's policy's expiringAlertMs (the caller knows the policy). */
  expiringAlertMs: number;
  /** Serial of the certificate the deployed one replaced, to name it in results. */
  previousSerial?: string;
  now?: () => Date;
  /** Concurrency bound; default: the shared process-wide one. */
  limit?: LimitFunction;
  /** Default-hello connections per address (`verify.samples`); an endpoint's own `samples` wins. Default 1. */
  samples?: number;
  /** Other managed certificates an endpoint may serve beside this one (endpoint `alsoServes`). */
  companions?: Companion[];
  /** false: the default hello only, no rsa/ecdsa profile connections (bench/verify's single-probe figure). */
  profiles?: boolean;
}

export interface VerifyOutcome {
  verified: boolean;
  /** One per address: every connection to it (samples, client profiles) judged together. */
  results: AddressResult[];
  /** One line a human can act on: "2 of 3 serve 0A1B…; 127.0.0.3 serves 7F3C…, the previous certificate". */
  summary: string;
  /** Failed checks other than the serial (expired, untrusted, incomplete chain, wrong name...). */
  problems: VerifyProblem[];
  /** One probe per result, aligned with `results` (the first that connected; not stored). */
  probes: ProbeResult[];
  /** Index into the endpoints judged, aligned with `results` (set by judge). */
  endpointOf?: number[];
}

/** A verification polled until it held for the settle time (confirm.ts), or the budget ended. */
export type ConfirmedOutcome = Confirmed<VerifyOutcome>;

/** What probing needs of the settings (judging needs the rest). */
export type ProbeSettings = Pick<VerifySettings, 'resolver' | 'limit' | 'samples' | 'profiles'>;

/** Resolves every endpoint (or takes its pinned addresses) and probes each address `samples` times and once per other client profile, bounded. */
export async function probeEndpoints(endpoints: EndpointConfig[], timeoutMs: number, settings: ProbeSettings = {}): Promise<ProbeResult[][]> {
  const lookup = createLookup(settings.resolver, { timeoutMs: Math.min(timeoutMs, 2000) });
  const limit = settings.limit ?? sharedProbeLimit();
  const sampling = { profiles: settings.profiles !== false };
  return Promise.all(endpoints.map((ep) => probeEndpoint(ep, timeoutMs, lookup, limit, { ...sampling, samples: ep.samples ?? settings.samples ?? 1 })));
}

/**
 * The connections to one endpoint: per address, `samples` connections plus one per other client
 * profile (sampleAddress), so a pool behind one address and a server holding two certificates both
 * show. A failed lookup of one family is a failed row of its own.
 */
async function probeEndpoint(ep: EndpointConfig, timeoutMs: number, lookup: Lookup, limit: LimitFunction, sampling: Sampling): Promise<ProbeResult[]> {
  const sni = defaultSni(ep.host, ep.sni);
  let addresses: string[];
  let failed: ProbeResult[] = [];
  if (ep.addresses && ep.addresses.length > 0) addresses = [...new Set(ep.addresses)];
  else {
    try {
      const found = await lookup(ep.host, ep.family);
      addresses = found.addresses;
      failed = found.failures.map((f) => ({ address: ep.host, port: ep.port, sni, ok: false, error: familyFailureMessage(f, found.addresses), code: f.code, ms: 0 }));
    } catch (err) {
      return [{ address: ep.host, port: ep.port, sni, ok: false, error: (err as Error).message, ms: 0 }];
    }
  }
  const timeout = ep.timeout ?? timeoutMs;
  const probes = addresses.map((address) => sampleAddress({ host: ep.host, port: ep.port, sni, address, timeoutMs: timeout, starttls: ep.starttls }, sampling, limit));
  return [...(await Promise.all(probes)).flat(), ...failed];
}

/**
 * The connections to one address: `samples` with Node's default hello at once, then one with each
 * other client profile (profiles.ts). The default hellos go first and together so that, through
 * a round-robin balancer, they take consecutive turns and reach min(samples, nodes) different
 * nodes; a profile hello the server refuses (it holds no certificate of that key type) takes a turn
 * too, and must not take one of theirs. No profile hellos when no default one connected: they
 * would only fail the same way.
 */
interface Sampling {
  samples: number;
  profiles: boolean;
}

async function sampleAddress(target: Omit<ProbeTarget, 'profile'>, { samples, profiles }: Sampling, limit: LimitFunction): Promise<ProbeResult[]> {
  const [plain, ...others] = CLIENT_PROFILES;
  const first = await Promise.all(Array.from({ length: samples }, () => limit(() => probe({ ...target, profile: plain }))));
  if (!profiles || !first.some((p) => p.ok)) return first;
  return [...first, ...(await Promise.all(others.map((profile) => limit(() => probe({ ...target, profile })))))];
}

function familyFailureMessage(f: FamilyFailure, answered: string[]): string {
  const other = f.family === 4 ? 'AAAA' : 'A';
  return `${f.message} (${other} answered ${answered.join(', ')}; set family: ${f.family === 4 ? 6 : 4} on the endpoint if the name has no ${f.family === 4 ? 'IPv4' : 'IPv6'} service)`;
}

export function endpointLabel(ep: EndpointConfig, sni: string | undefined): string {
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${host}:${ep.port}${sni && sni !== ep.host ? ` (SNI ${sni})` : ''}${ep.starttls ? ` (${ep.starttls})` : ''}`;
}

/**
 * Judges the probes: per address, every connection made to it (judgeAddress) with the named
 * checks; overall, verified only when every address serves the expected serial on every
 * connection (and there is at least one address).
 */
export function judge(endpoints: EndpointConfig[], probes: ProbeResult[][], expectedSerial: string | undefined, settings: VerifySettings): VerifyOutcome {
  const now = (settings.now ?? (() => new Date()))();
  const roots = settings.roots ?? systemRootCertificates();
  const { expiringAlertMs } = settings;
  const results: AddressResult[] = [];
  const chosen: ProbeResult[] = [];
  const endpointOf: number[] = [];
  const problems: VerifyProblem[] = [];
  endpoints.forEach((ep, i) => {
    const accepted = acceptedSerials(ep, expectedSerial, settings.companions);
    for (const samples of byAddress(probes[i])) {
      const judged = judgeAddress(samples, { endpoint: endpointLabel(ep, samples[0].sni), starttls: ep.starttls, expectedSerial, accepted, previousSerial: settings.previousSerial, roots, now, expiringAlertMs });
      results.push(judged.result);
      chosen.push(judged.probe);
      endpointOf.push(i);
      problems.push(...judged.problems);
    }
  });
  const good = results.filter((r) => r.ok).length;
  const verified = results.length > 0 && good === results.length;
  return { verified, results, summary: summarize(results, expectedSerial, verified), problems, probes: chosen, endpointOf };
}

/** The probes of one endpoint grouped by address, in order (addresses are unique per endpoint). */
function byAddress(probes: ProbeResult[]): ProbeResult[][] {
  const groups = new Map<string, ProbeResult[]>();
  for (const p of probes) {
    const group = groups.get(p.address);
    if (group) group.push(p);
    else groups.set(p.address, [p]);
  }
  return [...groups.values()];
}

function summarize(results: AddressResult[], expected: string | undefined, verified: boolean): string {
  if (results.length === 0) return 'no endpoints configured';
  const want = expected ?? 'the expected serial';
  // Connections that count: a profile hello the server does not offer is none.
  const connections = results.reduce((n, r) => n + (r.samples ? r.samples.filter((x) => !x.notOffered).length : 1), 0);
  if (verified) return `all ${results.length} address(es) serve ${want}${connections > results.length ? ` on all ${connections} connections` : ''}`;
  const good = results.filter((r) => r.ok).length;
  const bad = results
    .filter((r) => !r.ok)
    .map((r) =>
      r.detail
        ? `${r.address} (${r.endpoint}): ${r.detail}`
        : r.served
          ? `${r.address} (${r.endpoint}) serves ${r.served}${r.servedIs === 'previous' ? ', the previous certificate' : ''}`
          : `${r.address} (${r.endpoint}): ${r.error}`,
    );
  return `${good} of ${results.length} serve ${want}; ${bad.join('; ')}`;
}

export async function verifyEndpoints(endpoints: EndpointConfig[], expectedSerial: string, timeoutMs: number, settings: VerifySettings): Promise<VerifyOutcome> {
  return judge(endpoints, await probeEndpoints(endpoints, timeoutMs, settings), expectedSerial, settings);
}

/**
 * After a deploy the server may need a moment to reload, and for a moment may still hand out the
 * old certificate after the new one (old workers of a graceful reload, a pool converging): poll
 * until every address serves the serial and keeps serving it for `settleMs` (confirm.ts), or the
 * budget is spent; the caller records "pending" after that.
 */
export async function pollUntilServed(
  endpoints: EndpointConfig[],
  expectedSerial: string,
  timeoutMs: number,
  budgetMs: number,
  sleep: (ms: number) => Promise<void>,
  settings: VerifySettings,
  confirm: Pick<ConfirmOptions, 'settleMs' | 'onReset'> = { settleMs: 0 },
): Promise<ConfirmedOutcome> {
  // Nothing to wait for without endpoints: polling could never change the outcome.
  const budget = endpoints.length === 0 ? 0 : budgetMs;
  return confirmServed(() => verifyEndpoints(endpoints, expectedSerial, timeoutMs, settings), { ...confirm, budgetMs: budget, sleep });
}

const trustCache = new Map<string, { mtimeMs: number; roots: X509Certificate[] }>();

/** Node's bundled roots plus the PEM file `trust` (re-read when it changes). */
export function loadRoots(trust?: string): X509Certificate[] {
  const system = systemRootCertificates();
  if (!trust) return system;
  const mtimeMs = fs.statSync(trust).mtimeMs;
  const cached = trustCache.get(trust);
  if (cached && cached.mtimeMs === mtimeMs) return cached.roots;
  const roots = [...loadPemCertificates(fs.readFileSync(trust, 'utf8')), ...system];
  trustCache.set(trust, { mtimeMs, roots });
  return roots;
}

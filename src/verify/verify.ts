/**
 * Verification of one certificate: every address of every endpoint must serve the expected serial.
 * One stale node behind a load balancer is still an outage for the users it serves.
 */
import fs from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import type { EndpointConfig } from '../config/schema.js';
import { loadPemCertificates, systemRootCertificates } from '../pki/certificate.js';
import { DEFAULT_POLICY } from '../policy/decide.js';
import type { AddressResult } from '../state/record.js';
import { ALERT_CHECKS, checkServed, type AddressCheck } from './checks.js';
import { defaultSni, probe, type ProbeResult } from './probe.js';
import { createResolver, type Resolve } from './resolver.js';

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
  /** `not-expiring` alert threshold; default: the default policy's. */
  expiringAlertMs?: number;
  /** Serial of the certificate the deployed one replaced, to name it in results. */
  previousSerial?: string;
  now?: () => Date;
  /** Concurrency bound; default: the shared process-wide one. */
  limit?: LimitFunction;
}

/** A failed check (other than the serial) on one address: an alert by itself. */
export interface VerifyProblem {
  check: string;
  endpoint: string;
  address: string;
  message: string;
}

export interface VerifyOutcome {
  verified: boolean;
  results: AddressResult[];
  /** One line a human can act on: "2 of 3 serve 0A1B…; 127.0.0.3 serves 7F3C…, the previous certificate". */
  summary: string;
  /** Failed checks other than the serial (expired, untrusted, incomplete chain, wrong name...). */
  problems: VerifyProblem[];
  /** The raw probes, aligned with `results` (not stored). */
  probes: ProbeResult[];
}

export interface EndpointProbes {
  endpoint: EndpointConfig;
  probes: ProbeResult[];
}

/** Resolves every endpoint (or takes its pinned addresses) and probes each address, bounded. */
export async function probeEndpoints(endpoints: EndpointConfig[], timeoutMs: number, settings: VerifySettings = {}): Promise<ProbeResult[][]> {
  const resolve = createResolver(settings.resolver);
  const limit = settings.limit ?? sharedProbeLimit();
  return Promise.all(endpoints.map((ep) => probeEndpoint(ep, timeoutMs, resolve, limit)));
}

async function probeEndpoint(ep: EndpointConfig, timeoutMs: number, resolve: Resolve, limit: LimitFunction): Promise<ProbeResult[]> {
  const sni = defaultSni(ep.host, ep.sni);
  let addresses: string[];
  if (ep.addresses && ep.addresses.length > 0) addresses = [...new Set(ep.addresses)];
  else {
    try {
      addresses = await resolve(ep.host);
    } catch (err) {
      return [{ address: ep.host, port: ep.port, sni, ok: false, error: (err as Error).message, ms: 0 }];
    }
  }
  const timeout = ep.timeout ?? timeoutMs;
  return Promise.all(addresses.map((address) => limit(() => probe({ host: ep.host, port: ep.port, sni, address, timeoutMs: timeout, starttls: ep.starttls }))));
}

export function endpointLabel(ep: EndpointConfig, sni: string | undefined): string {
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${host}:${ep.port}${sni && sni !== ep.host ? ` (SNI ${sni})` : ''}${ep.starttls ? ` (${ep.starttls})` : ''}`;
}

/**
 * Judges the probes: per address, the named checks; overall, verified only when every address
 * serves the expected serial (and there is at least one address).
 */
export function judge(endpoints: EndpointConfig[], probes: ProbeResult[][], expectedSerial: string | undefined, settings: VerifySettings = {}): VerifyOutcome {
  const now = (settings.now ?? (() => new Date()))();
  const roots = settings.roots ?? systemRootCertificates();
  const expiringAlertMs = settings.expiringAlertMs ?? DEFAULT_POLICY.expiringAlertMs;
  const results: AddressResult[] = [];
  const flat: ProbeResult[] = [];
  const problems: VerifyProblem[] = [];
  endpoints.forEach((ep, i) => {
    for (const p of probes[i]) {
      const endpoint = endpointLabel(ep, p.sni);
      const served = p.leaf?.serial;
      let checks: AddressCheck[] | undefined;
      if (p.ok && p.certs) {
        checks = checkServed({ certs: p.certs, expectedSerial, sni: p.sni, address: p.address, roots, now, expiringAlertMs });
        for (const c of checks) if (!c.ok && ALERT_CHECKS.has(c.name)) problems.push({ check: c.name, endpoint, address: p.address, message: c.message });
      }
      flat.push(p);
      results.push({
        endpoint,
        address: p.address,
        ok: p.ok && served !== undefined && served === expectedSerial,
        served,
        notAfter: p.leaf?.notAfter.toISOString(),
        error: p.ok ? undefined : p.error,
        note: p.note,
        port: p.port,
        sni: p.sni,
        starttls: ep.starttls,
        servedIs: served === undefined ? undefined : served === expectedSerial ? 'deployed' : served === settings.previousSerial ? 'previous' : 'other',
        checks,
        ms: p.ms,
      });
    }
  });
  const good = results.filter((r) => r.ok).length;
  const verified = results.length > 0 && good === results.length;
  return { verified, results, summary: summarize(results, expectedSerial, verified), problems, probes: flat };
}

function summarize(results: AddressResult[], expected: string | undefined, verified: boolean): string {
  if (results.length === 0) return 'no endpoints configured';
  const want = expected ?? 'the expected serial';
  if (verified) return `all ${results.length} address(es) serve ${want}`;
  const good = results.filter((r) => r.ok).length;
  const bad = results
    .filter((r) => !r.ok)
    .map((r) =>
      r.served
        ? `${r.address} (${r.endpoint}) serves ${r.served}${r.servedIs === 'previous' ? ', the previous certificate' : ''}`
        : `${r.address} (${r.endpoint}): ${r.error}`,
    );
  return `${good} of ${results.length} serve ${want}; ${bad.join('; ')}`;
}

export async function verifyEndpoints(endpoints: EndpointConfig[], expectedSerial: string, timeoutMs: number, settings: VerifySettings = {}): Promise<VerifyOutcome> {
  return judge(endpoints, await probeEndpoints(endpoints, timeoutMs, settings), expectedSerial, settings);
}

/**
 * After a deploy the server may need a moment to reload. Poll with a short backoff until every
 * address serves the serial or the budget is spent; the caller records "pending" after that.
 */
export async function pollUntilServed(
  endpoints: EndpointConfig[],
  expectedSerial: string,
  timeoutMs: number,
  budgetMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  settings: VerifySettings = {},
): Promise<VerifyOutcome> {
  const deadline = Date.now() + budgetMs;
  let delay = 100;
  for (;;) {
    const outcome = await verifyEndpoints(endpoints, expectedSerial, timeoutMs, settings);
    // Nothing to wait for without endpoints: polling could never change the outcome.
    if (outcome.verified || endpoints.length === 0 || Date.now() + delay > deadline) return outcome;
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
  }
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

/**
 * The verdict on one address from every connection made to it (issue 15): `samples` connections,
 * each with a client profile (profiles.ts). One connection that got another serial makes the
 * address not served, whichever node behind it or whichever of the server's certificates answered
 * it; the result says how many connections got which serial. A profile the server refuses outright
 * while another profile connected is "not offered" (an RSA-only server has nothing for an
 * ECDSA-only hello), not a failure; Node's default hello is never excused.
 */
import type { X509Certificate } from 'node:crypto';
import type { AddressResult, SampleResult } from '../state/record.js';
import { ALERT_CHECKS, checkServed, type AddressCheck } from './checks.js';
import type { ProbeResult } from './probe.js';
import { refusesHello } from './profiles.js';
import type { EndpointConfig } from '../config/schema.js';

/** A failed check (other than the serial) on one address: an alert by itself. */
export interface VerifyProblem {
  check: string;
  endpoint: string;
  address: string;
  message: string;
}

/** Another managed certificate an endpoint serves beside this one (endpoint `alsoServes`), with the serials that count as it. */
export interface Companion {
  name: string;
  serials: string[];
}

/** Serials an endpoint may serve, each with whose it is: the expected one, and its `alsoServes` certificates'. */
export function acceptedSerials(ep: EndpointConfig, expected: string | undefined, companions: Companion[] = []): Map<string, string | undefined> {
  const accepted = new Map<string, string | undefined>();
  for (const name of ep.alsoServes ?? []) for (const serial of companions.find((c) => c.name === name)?.serials ?? []) accepted.set(serial, name);
  if (expected !== undefined) accepted.set(expected, undefined);
  return accepted;
}

export interface AddressContext {
  endpoint: string;
  starttls?: string;
  expectedSerial?: string;
  /** Serials that count as served (acceptedSerials): undefined for the expected one, else the companion's name. */
  accepted: Map<string, string | undefined>;
  previousSerial?: string;
  roots: X509Certificate[];
  now: Date;
  expiringAlertMs: number;
}

export interface AddressVerdict {
  result: AddressResult;
  /** The connection the result reports (the one that got `served`, else the first). */
  probe: ProbeResult;
  problems: VerifyProblem[];
}

export function judgeAddress(samples: ProbeResult[], ctx: AddressContext): AddressVerdict {
  const connected = new Set(samples.filter((p) => p.ok).map((p) => p.profile));
  const notOffered = (p: ProbeResult) => !p.ok && p.profile !== undefined && p.profile !== 'default' && refusesHello(p.code) && connected.size > 0 && !connected.has(p.profile);
  const records: SampleResult[] = samples.map((p) => sampleOf(p, ctx, notOffered(p)));
  const counted = samples.map((p, i) => ({ p, s: records[i] })).filter(({ s }) => !s.notOffered);
  const good = ({ s }: { s: SampleResult }) => s.servedIs === 'deployed' || s.servedIs === 'companion';
  const ok = ctx.expectedSerial !== undefined && counted.length > 0 && counted.every(good);
  // The address "serves" what a stale connection got, if any: that is what needs fixing.
  const shown = counted.find(({ s }) => s.servedIs === 'previous' || s.servedIs === 'other') ?? counted.find(({ s }) => s.served !== undefined) ?? counted[0] ?? { p: samples[0], s: records[0] };
  const { checks, problems } = judgeChecks(counted.map(({ p, s }) => ({ p, good: good({ s }) })), ctx);
  const first = samples[0];
  const result: AddressResult = {
    endpoint: ctx.endpoint,
    address: first.address,
    ok,
    served: shown.s.served,
    notAfter: shown.p.leaf?.notAfter.toISOString(),
    error: counted.some(({ p }) => p.ok) ? undefined : shown.p.error,
    note: counted.find(({ p }) => p.ok && p.note)?.p.note,
    port: first.port,
    sni: first.sni,
    starttls: ctx.starttls,
    servedIs: shown.s.servedIs,
    checks,
    ms: Math.max(...samples.map((p) => p.ms)),
    samples: records,
    detail: detailOf(counted.map(({ s }) => s), ctx.accepted),
  };
  return { result, probe: shown.p, problems };
}

function sampleOf(p: ProbeResult, ctx: AddressContext, notOffered: boolean): SampleResult {
  const served = p.ok ? p.leaf?.serial : undefined;
  const s: SampleResult = { profile: p.profile, ms: p.ms };
  if (served !== undefined) {
    s.served = served;
    s.servedIs = served === ctx.expectedSerial ? 'deployed' : ctx.accepted.has(served) ? 'companion' : served === ctx.previousSerial ? 'previous' : 'other';
  } else s.error = p.error;
  if (notOffered) s.notOffered = true;
  return s;
}

/**
 * The named checks over every connection that got a certificate: per check, the first failure
 * wins (a stale node's expired chain is a problem even if the others are fine). A connection that
 * got an accepted companion certificate is checked against that serial, not the expected one.
 */
function judgeChecks(connections: { p: ProbeResult; good: boolean }[], ctx: AddressContext): { checks?: AddressCheck[]; problems: VerifyProblem[] } {
  const merged = new Map<string, AddressCheck>();
  const problems: VerifyProblem[] = [];
  const seen = new Set<string>();
  for (const { p, good } of connections) {
    if (!p.ok || !p.certs) continue;
    const expectedSerial = ctx.expectedSerial === undefined ? undefined : good ? p.leaf!.serial : ctx.expectedSerial;
    for (const c of checkServed({ certs: p.certs, expectedSerial, sni: p.sni, address: p.address, roots: ctx.roots, now: ctx.now, expiringAlertMs: ctx.expiringAlertMs })) {
      const known = merged.get(c.name);
      if (!known || (known.ok && !c.ok)) merged.set(c.name, c);
      const key = `${c.name}\n${c.message}`;
      if (!c.ok && ALERT_CHECKS.has(c.name) && !seen.has(key)) {
        seen.add(key);
        problems.push({ check: c.name, endpoint: ctx.endpoint, address: p.address, message: c.message });
      }
    }
  }
  return { checks: merged.size > 0 ? [...merged.values()] : undefined, problems };
}

/**
 * "2 of 3 connections got 0A1B…; 1 of 3 connections (profile rsa) got 7F3C…, the previous
 * certificate" when the connections to one address disagree; undefined when they all got the same.
 */
function detailOf(counted: SampleResult[], accepted: Map<string, string | undefined>): string | undefined {
  const groups = new Map<string, SampleResult[]>();
  for (const s of counted) {
    const key = s.served !== undefined ? `serial ${s.served}` : `error ${s.error}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  if (groups.size < 2) return undefined;
  const n = counted.length;
  const profiles = new Set(counted.map((s) => s.profile));
  return [...groups.values()]
    .map((group) => {
      const s = group[0];
      const inGroup = [...new Set(group.map((g) => g.profile).filter((p) => p !== undefined))];
      const which = profiles.size > 1 && inGroup.length < profiles.size ? ` (profile ${inGroup.join(', ')})` : '';
      const head = `${group.length} of ${n} connections${which}`;
      if (s.served === undefined) return `${head} failed: ${s.error}`;
      const whose = s.servedIs === 'previous' ? ', the previous certificate' : s.servedIs === 'companion' ? `, ${accepted.get(s.served)}'s certificate` : '';
      return `${head} got ${s.served}${whose}`;
    })
    .join('; ');
}

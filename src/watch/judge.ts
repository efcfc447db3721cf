/**
 * The verdict on one watched endpoint after a sweep, and what to announce: pure (the clock and
 * the previous record are arguments), so the thresholds and transitions are table-tested.
 *
 * Conditions hold while their cause holds; events go out on a transition only (a condition that
 * appears, a threshold crossed, the serial changing), so an hourly sweep of 10,000 endpoints does
 * not write 10,000 events an hour. Repeats of open problems are the notifiers' `renotify`; the end
 * of all of them is `recovered` (sweep.ts, through events.ts settle()).
 */
import { createHash } from 'node:crypto';
import type { EventInput } from '../observability/events.js';
import type { AddressResult } from '../state/record.js';
import { formatDuration } from '../util/duration.js';
import type { ProbeResult } from '../verify/probe.js';
import { endpointLabel } from '../verify/verify.js';
import type { WatchCondition, WatchConditionType, WatchedAddress, WatchRecord } from './record.js';
import type { WatchTarget } from './targets.js';

const DAY = 86_400_000;

/** Checks of what is served that make a chain_problem (expiry has conditions of its own). */
const CHAIN_CHECKS = new Set(['chain-trusted', 'chain-complete', 'chain-valid', 'name-matches']);

export interface Judged {
  record: WatchRecord;
  events: EventInput[];
}

/** What a changed endpoint setting must be probed again for, whatever the recheck interval says. */
export function watchConfigKey(t: WatchTarget): string {
  return createHash('sha256').update(JSON.stringify({ e: t.endpoint, x: t.expectSerial, t: t.trust })).digest('base64url').slice(0, 16);
}

/**
 * `results` and `probes` are aligned (verify.ts judge): one per address, the probe being the
 * connection the result reports.
 */
export function judgeWatched(
  t: WatchTarget,
  results: AddressResult[],
  probes: ProbeResult[],
  previous: WatchRecord | undefined,
  policy: { expiringThresholdsMs: number[] },
  now: Date,
): Judged {
  const addresses = results.map((r, i) => addressOf(r, probes[i], t.expectSerial));
  const served = addresses.filter((a) => a.serial !== undefined);
  const serials = [...new Set(served.map((a) => a.serial!))].sort();
  const earliest = (key: 'notAfter' | 'chainExpiry') => served.map((a) => a[key]!).filter(Boolean).sort()[0];
  const notAfter = earliest('notAfter');
  const soonest = served.find((a) => a.notAfter === notAfter);
  const label = endpointLabel(t.endpoint, t.endpoint.sni);
  const found: { type: WatchConditionType; message: string }[] = [];
  const events: EventInput[] = [];
  const thresholds = [...policy.expiringThresholdsMs].sort((a, b) => b - a);
  let alertedThresholdMs = sameSerials(previous, serials) ? previous?.alertedThresholdMs : undefined;

  const failed = addresses.filter((a) => a.serial === undefined);
  if (failed.length > 0) {
    const what = failed.map((a) => `${a.address}: ${a.error}`).join('; ');
    found.push({ type: 'unreachable', message: `${label}: ${failed.length === addresses.length ? 'no address answered' : `${failed.length} of ${addresses.length} addresses did not answer`}: ${what}` });
  }
  if (soonest && notAfter) {
    const left = Date.parse(notAfter) - now.getTime();
    const where = served.filter((a) => a.notAfter === notAfter).map((a) => a.address);
    if (left <= 0) {
      found.push({ type: 'expired', message: `${label} serves ${soonest.serial}, expired ${notAfter} (${formatDuration(-left)} ago) on ${where.join(', ')}` });
    } else if (thresholds.length > 0 && left <= thresholds[0]) {
      const crossed = thresholds.filter((th) => left <= th).at(-1)!;
      const message = `${label} serves ${soonest.serial}, which expires in ${days(left)} (${notAfter}), within the ${formatDuration(crossed)} threshold`;
      found.push({ type: 'expiring_soon', message });
      if (alertedThresholdMs === undefined || crossed < alertedThresholdMs) {
        events.push({ type: 'expiring_soon', message, data: { serial: soonest.serial!, notAfter, remainingDays: Math.floor(left / DAY) } });
        alertedThresholdMs = crossed;
      }
    }
  }
  const chain = served.flatMap((a) => (a.problems ?? []).map((p) => ({ ...p, address: a.address })));
  if (chain.length > 0) found.push({ type: 'chain_problem', message: `${label}: ${chain.map((p) => `${p.address} ${p.check}: ${p.message}`).join('; ')}` });
  const drifted = t.expectSerial === undefined ? [] : served.filter((a) => a.serial !== t.expectSerial);
  if (drifted.length > 0) {
    found.push({ type: 'drift_detected', message: `${label} should serve ${t.expectSerial}; ${drifted.map((a) => `${a.address} serves ${a.serial}`).join(', ')}` });
  }

  const before = new Map((previous?.conditions ?? []).map((c) => [c.type, c]));
  const conditions: WatchCondition[] = found.map((c) => ({ ...c, since: before.get(c.type)?.since ?? now.toISOString() }));
  for (const c of found) {
    if (before.has(c.type)) continue;
    if (c.type === 'expired') events.push({ type: 'expired', message: c.message, data: { serial: soonest!.serial!, notAfter: notAfter!, addresses: served.filter((a) => a.notAfter! <= now.toISOString()).map((a) => a.address) } });
    if (c.type === 'chain_problem') events.push({ type: 'chain_problem', message: c.message, data: { serial: serials[0], problems: chain } });
    if (c.type === 'drift_detected') {
      events.push({ type: 'drift_detected', message: c.message, data: { expected: t.expectSerial!, mismatches: drifted.map((a) => ({ endpoint: label, address: a.address, served: a.serial })) } });
    }
    if (c.type === 'unreachable') events.push({ type: 'failed', message: `watch failed: ${c.message}`, data: { step: 'watch', code: 'VERIFY_FAILED', error: c.message } });
  }

  // An unreachable sweep keeps the serials seen before it (below), so this is the last seen.
  const known = previous?.serials ?? [];
  let changed = previous?.changed;
  if (serials.length > 0 && known.length > 0 && serials.join(', ') !== known.join(', ')) {
    changed = { from: known.join(', '), to: serials.join(', '), at: now.toISOString() };
    events.push({
      type: 'changed',
      message: `${label} now serves ${changed.to} (was ${changed.from})${soonest ? `, issued by ${soonest.issuer}, valid until ${notAfter}` : ''}`,
      data: { from: changed.from, to: changed.to, issuer: soonest?.issuer, notAfter },
    });
  }

  const record: WatchRecord = {
    name: t.name,
    host: t.endpoint.host,
    port: t.endpoint.port,
    ...(t.endpoint.sni ? { sni: t.endpoint.sni } : {}),
    origin: t.origin,
    ...(t.source ? { source: t.source } : {}),
    ...(t.expectSerial ? { expectSerial: t.expectSerial } : {}),
    checkedAt: now.toISOString(),
    configKey: watchConfigKey(t),
    // Unreachable keeps what was last seen, so coming back with the same serial is no change.
    serials: serials.length > 0 ? serials : (previous?.serials ?? []),
    issuer: soonest?.issuer ?? (serials.length === 0 ? previous?.issuer : undefined),
    notAfter: notAfter ?? (serials.length === 0 ? previous?.notAfter : undefined),
    notBefore: soonest?.notBefore ?? (serials.length === 0 ? previous?.notBefore : undefined),
    chainExpiry: earliest('chainExpiry') ?? (serials.length === 0 ? previous?.chainExpiry : undefined),
    addresses,
    conditions,
    ...(changed ? { changed } : {}),
    ...(alertedThresholdMs !== undefined && conditions.some((c) => c.type === 'expiring_soon') ? { alertedThresholdMs } : {}),
  };
  return { record, events };
}

function sameSerials(previous: WatchRecord | undefined, serials: string[]): boolean {
  return previous !== undefined && (serials.length === 0 || previous.serials.join(', ') === serials.join(', '));
}

function addressOf(r: AddressResult, p: ProbeResult | undefined, expectSerial: string | undefined): WatchedAddress {
  if (!p?.ok || !p.leaf) return { address: r.address, error: r.error ?? p?.error ?? 'no certificate read' };
  const problems = (r.checks ?? []).filter((c) => !c.ok && CHAIN_CHECKS.has(c.name)).map((c) => ({ check: c.name, message: c.message }));
  const chainExpiry = (p.certs ?? []).map((c) => new Date(c.validTo).toISOString()).sort()[0];
  return {
    address: r.address,
    serial: p.leaf.serial,
    issuer: p.leaf.issuer,
    notBefore: p.leaf.notBefore.toISOString(),
    notAfter: p.leaf.notAfter.toISOString(),
    ...(chainExpiry ? { chainExpiry } : {}),
    ...(problems.length > 0 ? { problems } : {}),
    ...(expectSerial !== undefined ? { matches: p.leaf.serial === expectSerial } : {}),
  };
}

function days(ms: number): string {
  const d = ms / DAY;
  return d >= 1 ? `${Math.floor(d)} day(s)` : formatDuration(Math.round(ms / 60_000) * 60_000);
}

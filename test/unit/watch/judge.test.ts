/**
 * The verdict on a watched endpoint and what to announce (src/watch/judge.ts): thresholds crossed
 * once each, expiry, drift, changes and unreachable addresses, with the clock as an argument. The
 * probes are built from real certificates and judged by verify's own judge, as a sweep does.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { describeCertificate } from '../../../src/pki/certificate.js';
import type { ProbeResult } from '../../../src/verify/probe.js';
import { judge } from '../../../src/verify/verify.js';
import { judgeWatched } from '../../../src/watch/judge.js';
import type { WatchRecord } from '../../../src/watch/record.js';
import type { WatchTarget } from '../../../src/watch/targets.js';
import { days, makePki, type Issued } from '../../support/certs.js';

const DAY = 86_400_000;
const pki = makePki('judge test');
const roots = [new X509Certificate(pki.root.certPem)];
const LEAF = pki.leaf(['w.test'], { notBefore: days(-10), notAfter: days(60) });
const OTHER = pki.leaf(['w.test'], { notBefore: days(-10), notAfter: days(60) });
const notAfter = (i: Issued) => new Date(new X509Certificate(i.certPem).validTo);
const POLICY = { expiringThresholdsMs: [30, 14, 7, 3, 1].map((d) => d * DAY) };
const target: WatchTarget = { name: 'w', endpoint: { host: 'w.test', port: 443, addresses: ['127.0.0.1'] }, origin: 'watch.endpoints' };

function serving(i: Issued): ProbeResult {
  const certs = [new X509Certificate(i.certPem), new X509Certificate(pki.intermediate.certPem)];
  return { address: '127.0.0.1', port: 443, sni: 'w.test', ok: true, leaf: describeCertificate(certs[0]), certs, ms: 1 };
}
const refused: ProbeResult = { address: '127.0.0.1', port: 443, sni: 'w.test', ok: false, error: 'connection refused', code: 'ECONNREFUSED', ms: 1 };

/** A sweep `left` before LEAF expires (or at `now`), after `previous`. */
function sweepAt(probe: ProbeResult, now: Date, previous?: WatchRecord, t: WatchTarget = target, policy = POLICY) {
  const outcome = judge([t.endpoint], [[probe]], t.expectSerial, { roots, expiringAlertMs: 0, now: () => now });
  return judgeWatched(t, outcome.results, outcome.probes, previous, policy, now);
}
const before = (i: Issued, ms: number) => new Date(notAfter(i).getTime() - ms);
const types = (j: ReturnType<typeof sweepAt>) => ({ conditions: j.record.conditions.map((c) => c.type), events: j.events.map((e) => e.type) });

describe('judging a watched endpoint', () => {
  it('a certificate with 60 days left has no condition and announces nothing', () => {
    const j = sweepAt(serving(LEAF), before(LEAF, 60 * DAY));
    assert.deepEqual(types(j), { conditions: [], events: [] });
    assert.deepEqual(j.record.serials, [LEAF.serial]);
    assert.equal(j.record.addresses[0].issuer, describeCertificate(new X509Certificate(LEAF.certPem)).issuer);
    assert.equal(j.record.chainExpiry, notAfter(LEAF).toISOString());
  });

  it('10 days left crosses the 14d threshold: expiring_soon, announced once', () => {
    const first = sweepAt(serving(LEAF), before(LEAF, 10 * DAY));
    assert.deepEqual(types(first), { conditions: ['expiring_soon'], events: ['expiring_soon'] });
    assert.equal(first.record.alertedThresholdMs, 14 * DAY);
    const again = sweepAt(serving(LEAF), before(LEAF, 9 * DAY), first.record);
    assert.deepEqual(types(again), { conditions: ['expiring_soon'], events: [] });
    assert.equal(again.record.conditions[0].since, first.record.conditions[0].since);
  });

  it('2 days left after the 14d announcement crosses 3d: announced again', () => {
    const first = sweepAt(serving(LEAF), before(LEAF, 10 * DAY));
    const later = sweepAt(serving(LEAF), before(LEAF, 2 * DAY), first.record);
    assert.deepEqual(types(later), { conditions: ['expiring_soon'], events: ['expiring_soon'] });
    assert.equal(later.record.alertedThresholdMs, 3 * DAY);
    assert.equal((later.events[0].data as { remainingDays: number }).remainingDays, 2);
  });

  it('past its notAfter the certificate is expired, not expiring', () => {
    const j = sweepAt(serving(LEAF), new Date(notAfter(LEAF).getTime() + DAY));
    assert.deepEqual(types(j), { conditions: ['expired'], events: ['expired'] });
    assert.match(j.record.conditions[0].message, /expired .* \(1d ago\) on 127\.0\.0\.1/);
  });

  it('another serial than last time is announced as changed, and the thresholds start over', () => {
    const first = sweepAt(serving(LEAF), before(LEAF, 10 * DAY));
    const j = sweepAt(serving(OTHER), before(LEAF, 9 * DAY), first.record);
    assert.deepEqual(types(j).events.sort(), ['changed', 'expiring_soon']);
    assert.deepEqual(j.record.changed?.from, LEAF.serial);
    assert.deepEqual(j.record.changed?.to, OTHER.serial);
  });

  it('an expectSerial not served is drift_detected, with the address and what it serves', () => {
    const j = sweepAt(serving(OTHER), before(OTHER, 50 * DAY), undefined, { ...target, expectSerial: LEAF.serial });
    assert.deepEqual(types(j), { conditions: ['drift_detected'], events: ['drift_detected'] });
    assert.deepEqual(j.events[0].data, { expected: LEAF.serial, mismatches: [{ endpoint: 'w.test:443', address: '127.0.0.1', served: OTHER.serial }] });
    assert.equal(j.record.addresses[0].matches, false);
  });

  it('no address answering is unreachable, a failed event, and the serial seen before is kept', () => {
    const seen = sweepAt(serving(LEAF), before(LEAF, 50 * DAY));
    const down = sweepAt(refused, before(LEAF, 49 * DAY), seen.record);
    assert.deepEqual(types(down), { conditions: ['unreachable'], events: ['failed'] });
    assert.deepEqual(down.record.serials, [LEAF.serial]);
    const back = sweepAt(serving(LEAF), before(LEAF, 48 * DAY), down.record);
    assert.deepEqual(types(back), { conditions: [], events: [] });
  });

  it('a policy with thresholds [10d] finds 12 days left fine', () => {
    const j = sweepAt(serving(LEAF), before(LEAF, 12 * DAY), undefined, target, { expiringThresholdsMs: [10 * DAY] });
    assert.deepEqual(types(j), { conditions: [], events: [] });
  });

  it('a leaf sent without its intermediate is a chain_problem naming chain-complete', () => {
    const certs = [new X509Certificate(LEAF.certPem)];
    const j = sweepAt({ ...serving(LEAF), certs }, before(LEAF, 50 * DAY));
    assert.deepEqual(types(j), { conditions: ['chain_problem'], events: ['chain_problem'] });
    assert.match(j.record.conditions[0].message, /chain-complete/);
  });
});

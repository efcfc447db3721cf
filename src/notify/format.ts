/** Human wording of events for chat notifiers: a title line and a few labelled facts. */
import type { CertloopEvent, EventType } from '../observability/events.js';

const LABEL: Record<EventType, string> = {
  renewed: 'certificate renewed',
  deployed: 'certificate deployed',
  verified: 'new certificate served everywhere',
  failed: 'step failed',
  verify_overdue: 'deployed certificate not served in time',
  expiring_soon: 'certificate expiring soon',
  drift_detected: 'endpoint serves a different certificate',
  recovered: 'recovered',
  ca_fallback: 'ordering from a fallback CA',
  drill_failed: 'near-expiry drill failed',
  drill_recovered: 'near-expiry drill passes again',
  revoked: 'certificate revoked',
  expired: 'serves an expired certificate',
  chain_problem: 'served chain has a problem',
  changed: 'serves another certificate than before',
};

export function eventTitle(e: CertloopEvent): string {
  const label = e.type === 'failed' ? `${e.data.step} failed` : LABEL[e.type];
  return `[${e.severity.toUpperCase()}] ${e.certificate}: ${label}`;
}

export function eventFacts(e: CertloopEvent): { name: string; value: string }[] {
  const facts = [
    { name: 'Certificate', value: e.certificate },
    { name: 'Event', value: e.type },
    { name: 'At', value: e.at },
  ];
  const d = e.data as Record<string, unknown>;
  for (const key of ['serial', 'expected', 'notAfter', 'step', 'code', 'attempts', 'remainingDays', 'deadline']) {
    if (d[key] !== undefined) facts.push({ name: key, value: String(d[key]) });
  }
  if (e.type === 'revoked') facts.push({ name: 'reason', value: e.data.reason }, { name: 'replacement', value: e.data.replacement ? 'ordered now' : 'by the next run' });
  if (e.type === 'recovered') facts.push({ name: 'was', value: e.data.from.join(', ') });
  if (e.type === 'drill_failed') facts.push({ name: 'failing steps', value: e.data.failedSteps.join(', ') }, { name: 'simulated time', value: e.data.simulatedAt });
  if (e.type === 'drill_recovered' && e.data.failingSince) facts.push({ name: 'failing since', value: e.data.failingSince });
  if (e.type === 'changed') facts.push({ name: 'was', value: e.data.from }, { name: 'now', value: e.data.to });
  if (e.type === 'chain_problem') for (const p of e.data.problems.slice(0, 5)) facts.push({ name: p.address, value: `${p.check}: ${p.message}` });
  if (e.type === 'drift_detected') {
    for (const m of e.data.mismatches.slice(0, 5)) facts.push({ name: m.address, value: `${m.endpoint} serves ${m.served ?? 'nothing'}` });
  }
  return facts;
}

/**
 * What the status page shows, as plain data: every configured certificate with its state and
 * conditions, what each endpoint address serves compared with what was deployed, expiry, the next
 * renewal time and where it comes from, recent events and failures, sorted so that what needs a
 * person comes first. Built from the state store and the config only (no network), so the daemon,
 * `certloop report --html` and tests all see the same thing; `now` is an argument like everywhere
 * else in certloop.
 *
 * Never copy a record wholesale into the model: records hold private keys, and the model is
 * rendered into a page that may be served over the network.
 */
import { sourceLabel, type Config } from '../config/schema.js';
import { decide } from '../policy/decide.js';
import type { TimeSource } from '../policy/types.js';
// The policy resolved when the config was loaded; controller/run.ts's policyFor is this lookup.
import { resolvedPolicyFor as policyFor } from '../policy/load.js';
import type { CertificateRecord, ConditionStatus, ConditionType, HistoryEvent } from '../state/record.js';
import { readLastDrill, type DrillResult } from '../state/drill-result.js';
import { certificateInUse, certificateState, unverifiedOf, type CertificateState, type Unverified } from '../state/certificate-state.js';
import { isExpiring, type Validity } from '../pki/expiry.js';
import type { StateStore } from '../state/store.js';
import { readWatchDocument } from '../watch/record.js';
import { watchedViews, type WatchedView } from '../watch/view.js';

/** How many events to show per certificate and overall. */
export const EVENTS_PER_CERTIFICATE = 8;
export const RECENT_EVENTS = 30;

export type { CertificateState } from '../state/certificate-state.js';
/** How much a certificate needs a person, most urgent first; the page sorts by it. */
export type Attention = 'critical' | 'warning' | 'info' | 'ok';
export const ATTENTION_ORDER: Attention[] = ['critical', 'warning', 'info', 'ok'];

export type AddressStatus = 'ok' | 'stale' | 'unreachable' | 'unchecked';

export interface AddressView {
  endpoint: string;
  /** The IP address connected to ("-" when never checked). */
  address: string;
  status: AddressStatus;
  /** Serial this address served at the last check. */
  served?: string;
  /** What the served serial is, in words: "the deployed certificate", "the previous certificate", ... */
  servedIs?: string;
  /** notAfter of the served certificate. */
  servedNotAfter?: string;
  /** Serial the check expected (the deployed one at the time). */
  expected?: string;
  error?: string;
}

export interface EventView {
  certificate: string;
  at: string;
  type: string;
  message: string;
  failure: boolean;
}

export interface CertificateView {
  name: string;
  domains: string[];
  state: CertificateState;
  /** Nothing observes what is served: no endpoints (state Deployed), or none by choice (Ready). */
  unverified?: Unverified;
  attention: Attention;
  /** Why it needs attention (or why it is fine), most important first; whole sentences. */
  reasons: string[];
  serials: { issued?: string; deployed?: string; previous?: string };
  notBefore?: string;
  notAfter?: string;
  /** The ACME profile the issued certificate was ordered with (draft-ietf-acme-profiles). */
  profile?: string;
  /**
   * The earliest expiry anyone can see: a served certificate's, else the deployed one's. `early`
   * when an endpoint serves a certificate that expires before the newest one is even due for
   * renewal: an old certificate lingering where the new one should be.
   */
  soonestExpiry?: { at: string; what: string; served: boolean; early: boolean };
  renewal?: { at: string; source: TimeSource | string; overdue: boolean };
  next: { action: string; reason: string; message: string; retryAt?: string };
  conditions: { type: ConditionType; status: ConditionStatus; reason: string; message: string; since?: string }[];
  addresses: AddressView[];
  /** Addresses that answered with another serial than the deployed one. */
  staleAddresses: number;
  lastVerifiedAt?: string;
  /** True when the last verification checked an older deployment than the current one. */
  verificationOutdated: boolean;
  lastFailure?: { step: string; code: string; message: string; at: string; attempts: number; nextAttemptAt?: string };
  /** The certificate in use was revoked (`certloop revoke`) and is not replaced yet. */
  revoked?: { serial: string; reason: string; at: string };
  /** The last near-expiry drill (daemon schedule or `certloop drill`), when one ran. */
  lastDrill?: { at: string; passed: boolean; failedStep: string | null; reason: string | null; trigger: string };
  events: EventView[];
  /** A certificate certloop does not issue: its source and the version read last (issue 18 §3). */
  source?: { description: string; version?: string; currentSince?: string; skipped: { version: string; reason: string }[] };
}

export interface StatusModel {
  generatedAt: string;
  configFile?: string;
  directory?: string;
  summary: { total: number; ready: number; pending: number; failed: number; other: number; staleAddresses: number; critical: number; /** Deployed with no endpoints to confirm it. */ unconfirmed: number };
  /** Sorted by urgency: attention level, then soonest expiry, then name. */
  certificates: CertificateView[];
  /** Newest first, over all certificates. */
  events: EventView[];
  /** Watched endpoints (issue 18) as the last sweep saw them, most urgent first; absent without `watch:`. */
  watched?: WatchedView[];
}

const CONDITIONS: ConditionType[] = ['Issued', 'Deployed', 'Verified', 'Ready'];

export async function buildStatusModel(
  config: Pick<Config, 'certificates'> & { acme?: { directory: string }; file?: string; watch?: Config['watch'] },
  store: StateStore,
  now: Date,
): Promise<StatusModel> {
  const certificates = await Promise.all(
    config.certificates.map(async (cert) => {
      const [record, events, drill] = await Promise.all([store.get(cert.name), store.events(cert.name, EVENTS_PER_CERTIFICATE), readLastDrill(store, cert.name)]);
      return certificateView(cert, record, events, now, drill);
    }),
  );
  certificates.sort(byUrgency);
  const watched = config.watch ? watchedViews(await readWatchDocument(store), config.watch, now) : undefined;
  const configured = new Set([...config.certificates.map((c) => c.name), ...(watched ?? []).map((w) => w.name)]);
  // Events of certificates no longer in the config are history the operator did not ask about.
  const events = (await store.events(undefined, RECENT_EVENTS * 2)).filter((e) => configured.has(e.certificate)).slice(0, RECENT_EVENTS).map(eventView);
  const count = (s: CertificateState) => certificates.filter((c) => c.state === s).length;
  return {
    generatedAt: now.toISOString(),
    configFile: config.file,
    directory: config.acme?.directory,
    summary: {
      total: certificates.length,
      ready: count('Ready'),
      pending: count('Pending'),
      failed: count('Failed'),
      other: count('New') + count('InProgress'),
      staleAddresses: certificates.reduce((n, c) => n + c.staleAddresses, 0),
      unconfirmed: count('Deployed'),
      critical: certificates.filter((c) => c.attention === 'critical').length,
    },
    certificates,
    events,
    ...(watched ? { watched } : {}),
  };
}

type CertConfig = Config['certificates'][number];

export function certificateView(cert: CertConfig, record: CertificateRecord | undefined, events: HistoryEvent[], now: Date, drill?: DrillResult): CertificateView {
  const policy = policyFor(cert);
  const decision = decide({ record, domains: cert.domains, source: sourceLabel(cert) }, policy, now);
  const state = certificateState(record);
  const addresses = addressViews(cert, record);
  const issued = record?.issued;
  const deployedCert = [issued, record?.previous].find((c) => c && c.serial === record?.deployedSerial);
  const soonestExpiry = soonest(addresses, deployedCert && { at: deployedCert.notAfter, what: `deployed certificate ${deployedCert.serial}`, served: false, early: false });
  if (soonestExpiry?.served) {
    const due = decision.renewAt?.getTime() ?? (issued ? Date.parse(issued.notAfter) : Infinity);
    soonestExpiry.early = Date.parse(soonestExpiry.at) < due;
  }
  const v = record?.lastVerification;
  const view: CertificateView = {
    name: cert.name,
    domains: cert.domains,
    state,
    unverified: unverifiedOf(record),
    attention: 'ok',
    reasons: [],
    serials: { issued: issued?.serial, deployed: record?.deployedSerial, previous: record?.previous?.serial },
    notBefore: issued?.notBefore,
    notAfter: issued?.notAfter,
    profile: issued?.profile,
    soonestExpiry,
    renewal: decision.renewAt
      ? { at: decision.renewAt.toISOString(), source: decision.renewSource ?? 'unknown', overdue: decision.renewAt <= now }
      : undefined,
    next: { action: decision.action, reason: decision.reason, message: decision.message, retryAt: decision.retryAt?.toISOString() },
    conditions: CONDITIONS.map((type) => {
      const c = record?.conditions[type];
      return c ? { type, ...c } : { type, status: 'Unknown' as const, reason: 'NotStarted', message: '' };
    }),
    addresses,
    staleAddresses: addresses.filter((a) => a.status === 'stale').length,
    lastVerifiedAt: v?.at,
    verificationOutdated: !!v && !!record?.deployedSerial && v.serial !== record.deployedSerial,
    lastFailure: record?.lastFailure && { ...record.lastFailure },
    revoked: revokedInUse(record),
    lastDrill: drill && { at: drill.at, passed: drill.passed, failedStep: drill.failedStep, reason: drill.reason, trigger: drill.trigger },
    events: events.map(eventView),
    source: cert.source
      ? { description: sourceLabel(cert)!, version: record?.source?.version, currentSince: record?.source?.currentSince, skipped: record?.source?.skipped ?? [] }
      : undefined,
  };
  // A served certificate is judged by the lifetime of the one in use; with none, by the policy's alone.
  const inUse: Validity = (record && certificateInUse(record)) ?? { notBefore: -Infinity, notAfter: Infinity };
  const { attention, reasons } = judge(view, now, (at) => isExpiring(inUse, now, policy.expiringAlertMs, at));
  view.attention = attention;
  view.reasons = reasons;
  // Said of every such certificate, whatever its state: not a reason for attention.
  if (view.source) view.reasons.push(`Read from ${view.source.description}${view.source.version ? ` (version ${view.source.version})` : ''}; certloop does not issue it.`);
  return view;
}

function revokedInUse(record: CertificateRecord | undefined): CertificateView['revoked'] {
  const r = record?.revocations?.find((x) => x.serial === record.issued?.serial || x.serial === record.deployedSerial);
  return r && { serial: r.serial, reason: r.reason, at: r.at };
}

function addressViews(cert: CertConfig, record: CertificateRecord | undefined): AddressView[] {
  const v = record?.lastVerification;
  if (!v) {
    return cert.verify.endpoints.map((ep) => ({
      endpoint: `${ep.host}:${ep.port}${ep.sni && ep.sni !== ep.host ? ` (SNI ${ep.sni})` : ''}`,
      address: '-',
      status: 'unchecked' as const,
    }));
  }
  const known: [string | undefined, string][] = [
    [record?.deployedSerial, 'the deployed certificate'],
    [record?.issued?.serial, 'the newest issued certificate'],
    [record?.previous?.serial, 'the previous certificate'],
  ];
  return v.results.map((r) => ({
    endpoint: r.endpoint,
    address: r.address,
    status: r.ok ? 'ok' : r.served ? 'stale' : 'unreachable',
    served: r.served,
    servedIs: r.served ? (known.find(([s]) => s === r.served)?.[1] ?? 'a certificate certloop did not issue') : undefined,
    servedNotAfter: r.notAfter,
    expected: v.serial,
    error: r.error,
  }));
}

function soonest(addresses: AddressView[], deployed: CertificateView['soonestExpiry']): CertificateView['soonestExpiry'] {
  const served = addresses
    .filter((a) => a.servedNotAfter)
    .map((a) => ({
      at: a.servedNotAfter!,
      what: a.endpoint.startsWith(`${a.address}:`) ? `served at ${a.endpoint}` : `served by ${a.address} at ${a.endpoint}`,
      served: true,
      early: false,
    }));
  const all = served.length > 0 ? served : deployed ? [deployed] : [];
  return all.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
}

/** Decides the attention level with the sentences that justify it. */
function judge(c: CertificateView, now: Date, expiring: (at: string) => boolean): { attention: Attention; reasons: string[] } {
  const critical: string[] = [];
  const warning: string[] = [];
  const info: string[] = [];
  // Clients that check revocation refuse it: as bad as expired, until the replacement is served.
  if (c.revoked) critical.push(`The certificate in use ${c.revoked.serial} was revoked (${c.revoked.reason}) at ${utc(c.revoked.at)}; ${c.next.action === 'issue' ? 'the next run orders a replacement with a new key' : 'its replacement is not served yet'}.`);
  if (c.lastFailure) {
    critical.push(`The last ${c.lastFailure.step} failed (${c.lastFailure.code}): ${c.lastFailure.message}`);
  }
  if (c.soonestExpiry) {
    const left = Date.parse(c.soonestExpiry.at) - now.getTime();
    if (left <= 0) critical.push(`The certificate ${c.soonestExpiry.what} expired at ${utc(c.soonestExpiry.at)}.`);
    else if (expiring(c.soonestExpiry.at)) critical.push(`The certificate ${c.soonestExpiry.what} expires within ${Math.max(1, Math.round(left / 3_600_000))} h.`);
  }
  const unreachable = c.addresses.filter((a) => a.status === 'unreachable').length;
  if (c.staleAddresses > 0) {
    const of = `${c.staleAddresses} of ${c.addresses.length} address${c.addresses.length === 1 ? '' : 'es'}`;
    warning.push(`${of} serve${c.staleAddresses === 1 ? 's' : ''} another certificate than the deployed one (${c.addresses.find((a) => a.expected)?.expected}).`);
  }
  if (unreachable > 0) warning.push(`${unreachable} of ${c.addresses.length} address${c.addresses.length === 1 ? ' was' : 'es were'} unreachable at the last check.`);
  if (c.state === 'Pending' && warning.length === 0) warning.push('Deployed, but not yet confirmed on every endpoint.');
  if (c.state === 'Deployed') warning.push('Deployed, but nothing confirms it is served: no endpoints are configured to verify (list verify.endpoints, or set verify.unverified: true).');
  // What is served may be fine; the next renewal would not be.
  if (c.lastDrill && !c.lastDrill.passed) warning.push(`The last near-expiry drill failed at ${c.lastDrill.failedStep}: ${c.lastDrill.reason}`);
  if (c.renewal?.overdue && c.next.action !== 'none') warning.push(`Renewal was due at ${utc(c.renewal.at)} and has not happened yet.`);
  if (c.state === 'New') info.push('No certificate has been issued yet.');
  if (c.state === 'InProgress') info.push('An order is in progress.');
  const attention: Attention = critical.length ? 'critical' : warning.length ? 'warning' : info.length ? 'info' : c.state === 'Ready' ? 'ok' : 'info';
  const ok = c.addresses.length
    ? [`Served on ${c.addresses.length === 1 ? 'its one address' : `all ${c.addresses.length} addresses`}.`]
    : c.unverified === 'by-choice'
      ? ['Deployed; unverified by choice (verify.unverified: true): nothing confirms it is served.']
      : ['Deployed; no endpoints are configured to verify.'];
  const reasons = [...critical, ...warning, ...info];
  return { attention, reasons: reasons.length ? reasons : ok };
}

function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function byUrgency(a: CertificateView, b: CertificateView): number {
  const level = ATTENTION_ORDER.indexOf(a.attention) - ATTENTION_ORDER.indexOf(b.attention);
  if (level !== 0) return level;
  const ea = a.soonestExpiry ? Date.parse(a.soonestExpiry.at) : Infinity;
  const eb = b.soonestExpiry ? Date.parse(b.soonestExpiry.at) : Infinity;
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a.name.localeCompare(b.name);
}

function eventView(e: HistoryEvent): EventView {
  return { certificate: e.certificate, at: e.at, type: e.type, message: e.message, failure: e.type === 'failed' };
}

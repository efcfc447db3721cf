/**
 * One certificate's status as `certloop status` prints it and the daemon's /summary.txt lists it:
 * its state, serials (issued, deployed, served), expiry, conditions, the pending verification and
 * what certloop will do next, from the stored record and the same decision a run makes.
 */
import { caEndpoints } from '../acme/ca-selection.js';
import { sourceLabel, type AcmeConfig, type CertificateConfig } from '../config/schema.js';
import { decide } from '../policy/decide.js';
// The policy lookup controller/run.js's policyFor makes, without loading the controller.
import { resolvedPolicyFor as policyFor } from '../policy/load.js';
import { certificateState, unverifiedOf, type CertificateState } from '../state/certificate-state.js';
import type { CertificateRecord, ConditionType } from '../state/record.js';
import { currentVerificationState } from '../verify/deadline.js';

const CONDITIONS: ConditionType[] = ['Issued', 'Deployed', 'Verified', 'Ready'];

export type StatusState = CertificateState;

export function statusOf(cert: CertificateConfig, record: CertificateRecord | undefined, now: Date, acme?: AcmeConfig) {
  const decision = decide({ record, domains: cert.domains, source: sourceLabel(cert) }, policyFor(cert), now);
  const v = record?.lastVerification;
  const unverified = unverifiedOf(record);
  // Nothing observed, nothing pending: the state says why (Deployed, or unverified by choice).
  const pending = v && v.serial === record?.deployedSerial && !unverified ? currentVerificationState(v, cert.verify.deadline ?? policyFor(cert).verifyDeadlineMs, now) : undefined;
  const state: StatusState = certificateState(record);
  return {
    name: cert.name,
    domains: cert.domains,
    state,
    serials: {
      issued: record?.issued?.serial ?? null,
      deployed: record?.deployedSerial ?? null,
      // Every serial any connection got (a pool or a second certificate may serve several per address).
      served: v ? [...new Set(v.results.flatMap((r) => (r.samples?.some((x) => x.served) ? r.samples.flatMap((x) => (x.served ? [x.served] : [])) : [r.served ?? null])))] : [],
    },
    notBefore: record?.issued?.notBefore ?? null,
    notAfter: record?.issued?.notAfter ?? null,
    /** The ACME profile the issued certificate was ordered with; null: none (the CA's default). */
    profile: record?.issued?.profile ?? null,
    renewAt: decision.renewAt?.toISOString() ?? null,
    renewSource: decision.renewSource ?? null,
    next: { action: decision.action, reason: decision.reason, message: decision.message, retryAt: decision.retryAt?.toISOString() ?? null },
    conditions: CONDITIONS.map((type) => ({ type, ...(record?.conditions[type] ?? { status: 'Unknown', reason: 'NotStarted', message: '', since: null }) })),
    endpoints: v?.results ?? [],
    lastVerifiedAt: v?.at ?? null,
    verification: {
      pendingSince: pending?.notServedSince ?? null,
      deadline: pending?.deadline ?? null,
      overdue: pending?.overdue ?? false,
      drift: pending?.drift ?? false,
      /** `no-endpoints` (state Deployed) or `by-choice` (verify.unverified: true) when nothing observes what is served. */
      unverified: unverified ?? null,
      /** Failed checks other than the serial on what the endpoints serve (each one an alert). */
      problems: (v?.results ?? []).flatMap((r) => (r.checks ?? []).filter((c) => !c.ok && c.name !== 'serial').map((c) => ({ endpoint: r.endpoint, address: r.address, check: c.name, message: c.message }))),
    },
    lastFailure: record?.lastFailure ?? null,
    /** Set while a `certloop rollback` is in place: { serial, from, at }. */
    rollback: record?.rollback && record.rollback.serial === record.deployedSerial ? record.rollback : null,
    /** The CA that issued the current certificate; `fallback` is 0 for the primary, N for acme.fallback[N-1]. */
    ca: record?.issued && !cert.source ? caOf(record.issued.directory, acme) : null,
    /** CA-side failures since the last successful order, per directory. */
    caFailures: record?.caFailures ?? {},
    /** The issued or deployed certificate's revocation (`certloop revoke`), while it is still the one in use. */
    revoked: record?.revocations?.find((r) => r.serial === record.issued?.serial || r.serial === record.deployedSerial) ?? null,
    /** Every revocation kept for this name, newest last. */
    revocations: record?.revocations ?? [],
    /** A certificate certloop does not issue: where it comes from and the version read last (issue 18 §3). */
    source: cert.source ? { description: sourceLabel(cert)!, ...(record?.source ?? {}) } : null,
  };
}

function caOf(directory: string, acme: AcmeConfig | undefined) {
  const found = acme ? caEndpoints(acme).find((e) => e.directory === directory) : undefined;
  return { directory, label: found?.label ?? 'no longer configured', fallback: found?.index ?? null };
}

export type CertificateStatus = ReturnType<typeof statusOf>;

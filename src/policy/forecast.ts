/**
 * The renewal schedule simulated forward, as a pure function: runs every `everyMs` from `from` for
 * `days`, each calling the same `decide` as a real run, each renewal assumed to succeed with the
 * lifetime seen so far. It lists every renewal and alert, and flags what would hurt: a certificate
 * that expires before the next run, a renewal window too short for the retry schedule to recover
 * from one failed day, a verify deadline longer than the life left at renewal.
 */
import type { CertificateRecord } from '../state/record.js';
import { decide } from './decide.js';
import { renewalTime } from './renewal-time.js';
import type { RenewalPolicy, TimeSource } from './types.js';
import { formatDuration } from '../util/duration.js';
import { expiringThresholdMs, isExpiring } from '../pki/expiry.js';

const DAY = 86_400_000;

export interface ForecastOptions {
  from: Date;
  days: number;
  everyMs: number;
  /** Lifetime assumed for a certificate never issued (default 90 days, Let's Encrypt's). */
  assumedLifetimeMs?: number;
}

export interface ForecastCertificateInput {
  name: string;
  domains: string[];
  policy: RenewalPolicy;
  record: CertificateRecord | undefined;
}

export type RiskKind = 'expires-before-next-run' | 'window-too-short-for-retries' | 'verify-deadline-exceeds-remaining-life' | 'expired' | 'assumed-lifetime';

export interface Risk {
  kind: RiskKind;
  at: string | null;
  message: string;
}

export interface Validity {
  serial: string;
  notBefore: string;
  notAfter: string;
  /** false for the certificate in the state store, true for those the simulation renews. */
  simulated: boolean;
}

export interface CertificateForecast {
  name: string;
  policy: string;
  lifetimeMs: number;
  validity: Validity[];
  renewals: { at: string; source: TimeSource | null; reason: string; remainingMs: number }[];
  alerts: { at: string; serial: string; message: string }[];
  risks: Risk[];
}

export interface Forecast {
  from: string;
  to: string;
  everyMs: number;
  certificates: CertificateForecast[];
}

export function forecast(certs: ForecastCertificateInput[], opts: ForecastOptions): Forecast {
  const end = opts.from.getTime() + opts.days * DAY;
  return {
    from: opts.from.toISOString(),
    to: new Date(end).toISOString(),
    everyMs: opts.everyMs,
    certificates: certs.map((c) => forecastOne(c, opts, end)),
  };
}

/** Time the retry schedule needs to have waited one day after a failure, counted in runs. */
export function recoveryTime(policy: RenewalPolicy, everyMs: number): number {
  let waited = 0;
  for (let i = 0; waited < DAY; i++) {
    const wait = policy.retrySchedulesMs.issue[Math.min(i, policy.retrySchedulesMs.issue.length - 1)];
    // A retry happens at the first run after its time: waits shorter than the interval round up.
    waited += Math.max(Math.ceil(Math.max(wait, 1) / everyMs) * everyMs, everyMs);
    if (i > 10_000) break;
  }
  return waited + everyMs;
}

function forecastOne(c: ForecastCertificateInput, opts: ForecastOptions, end: number): CertificateForecast {
  const { policy } = c;
  const risks: Risk[] = [];
  const seen = new Set<string>();
  const risk = (kind: RiskKind, at: number | null, message: string) => {
    const key = `${kind}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    risks.push({ kind, at: at === null ? null : new Date(at).toISOString(), message });
  };

  const real = c.record?.issued;
  let lifetime = real ? Date.parse(real.notAfter) - Date.parse(real.notBefore) : (opts.assumedLifetimeMs ?? 90 * DAY);
  if (!real) risk('assumed-lifetime', null, `no certificate issued yet; assuming a ${formatDuration(lifetime)} lifetime`);

  // The simulated record: deployed and verified, no failures; the stored ARI window applies to
  // the current certificate only (the CA has said nothing about future ones).
  let n = 0;
  const validity: Validity[] = [];
  const record: CertificateRecord = { name: c.name, version: 1, targets: {}, conditions: {}, updatedAt: opts.from.toISOString() };
  const install = (serial: string, notBefore: number, notAfter: number, simulated: boolean) => {
    record.issued = { serial, domains: c.domains, notBefore: new Date(notBefore).toISOString(), notAfter: new Date(notAfter).toISOString(), fullchainPem: '', keyPem: '', issuedAt: new Date(notBefore).toISOString(), directory: '' };
    record.deployedSerial = serial;
    record.lastVerification = { serial, at: new Date(notBefore).toISOString(), verified: true, results: [] };
    validity.push({ serial, notBefore: record.issued.notBefore, notAfter: record.issued.notAfter, simulated });
    checkWindow();
  };
  const checkWindow = () => {
    const t = renewalTime(record.issued!, policy, undefined, opts.from);
    const window = Date.parse(record.issued!.notAfter) - t.at.getTime();
    const needed = recoveryTime(policy, opts.everyMs);
    if (window < needed) {
      risk('window-too-short-for-retries', t.at.getTime(), `renewal starts ${formatDuration(window)} before expiry, but recovering from one failed day takes ${formatDuration(needed)} with runs every ${formatDuration(opts.everyMs)} and retries after ${policy.retrySchedulesMs.issue.map(formatDuration).join(', ')}`);
    }
  };

  if (real) {
    record.issued = { ...real };
    record.deployedSerial = real.serial;
    record.lastVerification = { serial: real.serial, at: opts.from.toISOString(), verified: true, results: [] };
    record.ari = c.record?.ari;
    validity.push({ serial: real.serial, notBefore: real.notBefore, notAfter: real.notAfter, simulated: false });
    checkWindow();
  }

  const renewals: CertificateForecast['renewals'] = [];
  const alerts: CertificateForecast['alerts'] = [];
  const alerted = new Set<string>();
  for (let t = opts.from.getTime(); t <= end; t += opts.everyMs) {
    const now = new Date(t);
    const d = decide({ record: record.issued ? record : undefined, domains: c.domains }, policy, now);
    const notAfter = record.issued ? Date.parse(record.issued.notAfter) : undefined;
    if (d.action === 'issue') {
      const remaining = notAfter === undefined ? lifetime : notAfter - t;
      if (notAfter !== undefined && remaining <= 0) risk('expired', t, `${record.issued!.serial} expired at ${record.issued!.notAfter}, before a run renewed it`);
      else if (notAfter !== undefined && policy.verifyDeadlineMs > remaining) {
        risk('verify-deadline-exceeds-remaining-life', t, `renewed with ${formatDuration(remaining)} left, less than the ${formatDuration(policy.verifyDeadlineMs)} verify deadline: the old certificate can expire before the new one must be served`);
      }
      renewals.push({ at: now.toISOString(), source: d.source ?? d.renewSource ?? null, reason: d.message, remainingMs: remaining });
      if (real && n === 0) lifetime = Date.parse(real.notAfter) - Date.parse(real.notBefore);
      n += 1;
      record.ari = undefined;
      install(`SIM-${n}`, t, t + lifetime, true);
      continue;
    }
    if (notAfter !== undefined) {
      if (isExpiring(record.issued!, t, policy.expiringAlertMs) && !alerted.has(record.issued!.serial)) {
        alerted.add(record.issued!.serial);
        alerts.push({ at: now.toISOString(), serial: record.issued!.serial, message: `${record.issued!.serial} expires within ${formatDuration(expiringThresholdMs(record.issued!, policy.expiringAlertMs))} (at ${record.issued!.notAfter}) and is not renewed yet` });
      }
      if (notAfter < t + opts.everyMs && notAfter > t) {
        risk('expires-before-next-run', notAfter, `${record.issued!.serial} expires at ${record.issued!.notAfter}, before the next run at ${new Date(t + opts.everyMs).toISOString()}`);
      }
    }
  }
  return { name: c.name, policy: policy.name, lifetimeMs: lifetime, validity, renewals, alerts, risks };
}

/**
 * Prometheus metrics (prom-client), named in the style of cert-manager
 * (certmanager_certificate_expiration_timestamp_seconds) and blackbox_exporter
 * (probe_ssl_earliest_cert_expiry), prefixed certloop_. The daemon serves them on /metrics; one-shot
 * runs write them with `--metrics-file` for node_exporter's textfile collector.
 *
 * Certificate gauges are rebuilt from the state store (`refresh`), so a scrape or a textfile shows
 * what is recorded, also for certificates this process did not touch. Counters count what this
 * process saw (events, step failures, notifications). Labels are certificate names from the config,
 * endpoint and address strings, step and event names: never anything secret.
 */
import path from 'node:path';
import type promClient from 'prom-client';
import { lazyRequire } from '../util/lazy-require.js';
import type { CertificateConfig } from '../config/schema.js';
import { certificateInUse } from '../state/certificate-state.js';
import { readLastDrill } from '../state/drill-result.js';
import type { CertificateRecord } from '../state/record.js';
import type { StateStore } from '../state/store.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { CertloopEvent } from './events.js';
import type { WatchedView } from '../watch/view.js';

const seconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);

/** When the certificate's policy renews it (policy/decide.ts): the caller decides, metrics show it. */
export type RenewalAt = (cert: CertificateConfig, record: CertificateRecord, now: Date) => Date | undefined;

export interface RunFigures {
  startedAt: string;
  durationMs: number;
  exitCode: number;
  counts: Record<string, number>;
}

// Loaded with the first metric: a run without --metrics-file and without events never needs it.
const prom = lazyRequire<typeof promClient>('prom-client');

export class CertloopMetrics {
  readonly registry = new (prom().Registry)();
  private readonly m;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const r = [this.registry];
    const gauge = (name: string, help: string, labelNames: string[] = []) => new (prom().Gauge)({ name, help, labelNames, registers: r });
    const counter = (name: string, help: string, labelNames: string[]) => new (prom().Counter)({ name, help, labelNames, registers: r });
    this.m = {
      expiration: gauge('certloop_certificate_expiration_timestamp_seconds', 'Expiry (notAfter) of the certificate in use, Unix seconds.', ['certificate']),
      notBefore: gauge('certloop_certificate_not_before_timestamp_seconds', 'Start of validity (notBefore) of the certificate in use, Unix seconds.', ['certificate']),
      renewal: gauge('certloop_certificate_renewal_timestamp_seconds', 'When the current certificate is due for renewal, Unix seconds.', ['certificate']),
      ready: gauge('certloop_certificate_ready_status', 'Ready condition of the certificate (1 for the current status).', ['certificate', 'condition']),
      failures: gauge('certloop_certificate_consecutive_failures', 'Consecutive failures of the step that last failed (0 when none).', ['certificate', 'step']),
      pending: gauge('certloop_certificate_verification_pending_seconds', 'How long the deployed certificate has not been confirmed on every endpoint (0 when confirmed).', ['certificate']),
      lastVerified: gauge('certloop_certificate_last_verification_timestamp_seconds', 'When the endpoints were last checked, Unix seconds.', ['certificate']),
      match: gauge('certloop_endpoint_serial_match', '1 when the address serves the deployed serial, else 0.', ['certificate', 'endpoint', 'address']),
      served: gauge('certloop_endpoint_cert_expiration_timestamp_seconds', 'Expiry (notAfter) of the certificate the address serves, Unix seconds.', ['certificate', 'endpoint', 'address']),
      drillSuccess: gauge('certloop_drill_success', '1 when the last near-expiry drill passed, 0 when it failed (absent before the first drill).', ['certificate']),
      drillLast: gauge('certloop_drill_last_timestamp_seconds', 'When the last near-expiry drill ran, Unix seconds.', ['certificate']),
      lastRun: gauge('certloop_last_run_timestamp_seconds', 'When the last run started, Unix seconds.'),
      lastRunDuration: gauge('certloop_last_run_duration_seconds', 'How long the last run took.'),
      lastRunSuccess: gauge('certloop_last_run_success', '1 when the last run ended with exit code 0.'),
      runCertificates: gauge('certloop_last_run_certificates', 'Certificates of the last run by outcome.', ['outcome']),
      stepFailures: counter('certloop_step_failures_total', 'Failed steps seen by this process.', ['certificate', 'step']),
      events: counter('certloop_events_total', 'Events emitted by this process.', ['certificate', 'type']),
      notifications: counter('certloop_notifications_total', 'Notifications by result (sent, failed, throttled).', ['notifier', 'event', 'result']),
      // Watched endpoints (issue 18), from the last sweep.
      watchEarliest: gauge('certloop_watch_ssl_earliest_cert_expiry', "Earliest expiry in the chains the watched endpoint's addresses serve, Unix seconds (as blackbox_exporter's probe_ssl_earliest_cert_expiry).", ['endpoint']),
      watchExpiration: gauge('certloop_watch_cert_expiration_timestamp_seconds', 'Expiry (notAfter) of the certificate the address serves, Unix seconds.', ['endpoint', 'address']),
      watchSuccess: gauge('certloop_watch_probe_success', '1 when the address answered with a certificate at the last sweep, else 0.', ['endpoint', 'address']),
      watchMatch: gauge('certloop_watch_serial_match', '1 when the address serves the expected serial (expectSerial), else 0; absent without one.', ['endpoint', 'address']),
      watchCondition: gauge('certloop_watch_condition', '1 for each problem that holds: expired, expiring_soon, chain_problem, drift_detected, unreachable.', ['endpoint', 'condition']),
      watchLastCheck: gauge('certloop_watch_last_check_timestamp_seconds', 'When the watched endpoint was last checked, Unix seconds.', ['endpoint']),
      watchEndpoints: gauge('certloop_watch_endpoints', 'Watched endpoints by state at the last sweep (ok, problem, unchecked).', ['state']),
    };
    if (opts.processMetrics) prom().collectDefaultMetrics({ register: this.registry, prefix: 'certloop_' });
  }

  observeEvent(e: CertloopEvent): void {
    this.m.events.inc({ certificate: e.certificate, type: e.type });
    if (e.type === 'failed') this.m.stepFailures.inc({ certificate: e.certificate, step: e.data.step });
  }

  observeNotification(notifier: string, event: string, result: string): void {
    this.m.notifications.inc({ notifier, event, result });
  }

  observeRun(run: RunFigures): void {
    this.m.lastRun.set(Date.parse(run.startedAt) / 1000);
    this.m.lastRunDuration.set(run.durationMs / 1000);
    this.m.lastRunSuccess.set(run.exitCode === 0 ? 1 : 0);
    for (const [outcome, n] of Object.entries(run.counts)) this.m.runCertificates.set({ outcome }, n);
  }

  /** Rebuild the certificate gauges from the stored records. */
  async refresh(certificates: CertificateConfig[], store: StateStore, renewalAt: RenewalAt, now: Date): Promise<void> {
    for (const g of [this.m.expiration, this.m.notBefore, this.m.renewal, this.m.ready, this.m.failures, this.m.pending, this.m.lastVerified, this.m.match, this.m.served, this.m.drillSuccess, this.m.drillLast]) g.reset();
    for (const cert of certificates) {
      const record = await store.get(cert.name);
      this.setCertificate(cert, record, renewalAt, now);
      const drill = await readLastDrill(store, cert.name);
      if (drill) {
        this.m.drillSuccess.set({ certificate: cert.name }, drill.passed ? 1 : 0);
        this.m.drillLast.set({ certificate: cert.name }, Date.parse(drill.at) / 1000);
      }
    }
  }

  private setCertificate(cert: CertificateConfig, record: CertificateRecord | undefined, renewalAt: RenewalAt, now: Date): void {
    const certificate = cert.name;
    const status = record?.conditions.Ready?.status ?? 'Unknown';
    for (const condition of ['True', 'False', 'Unknown']) this.m.ready.set({ certificate, condition }, condition === status ? 1 : 0);
    this.m.failures.set({ certificate, step: record?.lastFailure?.step ?? 'none' }, record?.lastFailure?.attempts ?? 0);
    if (!record) return;
    const inUse = certificateInUse(record);
    const notAfter = seconds(inUse?.notAfter);
    if (notAfter !== undefined) this.m.expiration.set({ certificate }, notAfter);
    const notBefore = seconds(inUse?.notBefore);
    if (notBefore !== undefined) this.m.notBefore.set({ certificate }, notBefore);
    const renewAt = renewalAt(cert, record, now);
    if (renewAt) this.m.renewal.set({ certificate }, renewAt.getTime() / 1000);

    const v = record.lastVerification;
    const confirmed = v?.verified && v.serial === record.deployedSerial;
    const since = seconds(record.deployedAt);
    const pending = record.deployedSerial && cert.verify.endpoints.length > 0 && !confirmed && since !== undefined ? now.getTime() / 1000 - since : 0;
    this.m.pending.set({ certificate }, Math.max(0, pending));
    if (!v) return;
    this.m.lastVerified.set({ certificate }, Date.parse(v.at) / 1000);
    for (const r of v.results) {
      const labels = { certificate, endpoint: r.endpoint, address: r.address };
      this.m.match.set(labels, r.ok && v.serial === record.deployedSerial ? 1 : 0);
      const served = seconds(r.notAfter);
      if (served !== undefined) this.m.served.set(labels, served);
    }
  }

  /** Rebuild the watched-endpoint gauges from the last sweep (src/watch/view.ts). */
  refreshWatch(views: WatchedView[]): void {
    const m = this.m;
    for (const g of [m.watchEarliest, m.watchExpiration, m.watchSuccess, m.watchMatch, m.watchCondition, m.watchLastCheck, m.watchEndpoints]) g.reset();
    const states = { ok: 0, problem: 0, unchecked: 0 };
    for (const v of views) {
      states[v.state]++;
      const endpoint = v.name;
      const earliest = seconds(v.chainExpiry ?? undefined);
      if (earliest !== undefined) m.watchEarliest.set({ endpoint }, earliest);
      const checked = seconds(v.checkedAt ?? undefined);
      if (checked !== undefined) m.watchLastCheck.set({ endpoint }, checked);
      for (const c of v.conditions) m.watchCondition.set({ endpoint, condition: c.type }, 1);
      for (const a of v.addresses) {
        const labels = { endpoint, address: a.address };
        m.watchSuccess.set(labels, a.serial !== undefined ? 1 : 0);
        const notAfter = seconds(a.notAfter);
        if (notAfter !== undefined) m.watchExpiration.set(labels, notAfter);
        if (a.matches !== undefined) m.watchMatch.set(labels, a.matches ? 1 : 0);
      }
    }
    for (const [state, n] of Object.entries(states)) m.watchEndpoints.set({ state }, n);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * For node_exporter's textfile collector: written atomically (temporary file + rename in the same
 * folder), so the collector never reads half a file. Name it *.prom.
 */
export async function writeMetricsFile(file: string, metrics: CertloopMetrics): Promise<void> {
  await writeFileAtomic(path.resolve(file), await metrics.text(), 0o644);
}

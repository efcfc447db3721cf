/**
 * Is the daemon's loop alive? A pass (run, verify, drill) that works longer than its deadline is
 * taken as hung: /healthz answers 503 with the reason, so a liveness probe restarts the process,
 * and each tick skipped behind it is logged as an error instead of quietly (issue 16: a CA that
 * never answered kept every later pass "still working" and /healthz 200 for ever).
 *
 * Every outbound call has its own deadline, so a pass that overruns means a bug or a wait nobody
 * bounded. The deadline is `passTimeout` when set; otherwise the longest a pass can take when
 * every deadline it may meet runs out, plus a minute:
 *
 *   per certificate = acme.timeout (renewalInfo) + (1 + fallback CAs) × acme.orderTimeout
 *                     + each target's reloadTimeout (Key Vault: 4 × its timeout)
 *                     + verify.pollFor + 2 × the longest verify timeout of its endpoints
 *   run, verify     = ceil(certificates / concurrency) × the longest per certificate
 *   drill           = the sum over certificates (drills go one at a time)
 *
 * With the defaults and one certificate (reload command, one endpoint) that is about 12.5 minutes.
 */
import type { LoadedConfig } from '../config/load.js';
import type { CertificateConfig } from '../config/schema.js';
import { formatDuration } from '../util/duration.js';

export type PassKind = 'run' | 'verify' | 'drill';

const SLACK_MS = 60_000;

export function passDeadlineMs(config: LoadedConfig, kind: PassKind): number {
  if (config.passTimeout !== undefined) return config.passTimeout;
  const each = config.certificates.map((c) => certificateBudgetMs(config, c));
  if (kind === 'drill') return each.reduce((a, b) => a + b, 0) + SLACK_MS;
  return Math.ceil(each.length / config.concurrency) * Math.max(0, ...each) + SLACK_MS;
}

function certificateBudgetMs(config: LoadedConfig, cert: CertificateConfig): number {
  const { acme } = config;
  const order = acme.timeout + (1 + acme.fallback.length) * acme.orderTimeout;
  const deploy = (cert.targets ?? []).map(targetBudgetMs).reduce((a, b) => a + b, 0);
  const probe = Math.max(cert.verify.timeout, ...cert.verify.endpoints.map((e) => e.timeout ?? 0));
  return order + deploy + cert.verify.pollFor + 2 * probe;
}

function targetBudgetMs(target: NonNullable<CertificateConfig['targets']>[number]): number {
  const t = target as { type: string; reload?: unknown; reloadTimeout?: number; timeout?: number };
  if (t.type === 'file') return t.reload ? (t.reloadTimeout ?? 0) : 0;
  // A Key Vault deploy is a few calls (read, import, tag), each with `timeout`.
  return typeof t.timeout === 'number' ? 4 * t.timeout : SLACK_MS;
}

/** The pass in progress and its deadline. */
export class PassWatch {
  private pass?: { kind: PassKind; startedAt: number; deadlineMs: number };

  start(kind: PassKind, deadlineMs: number, now = Date.now()): void {
    this.pass = { kind, startedAt: now, deadlineMs };
  }

  finish(): void {
    this.pass = undefined;
  }

  /** Why the daemon is not healthy: the pass in progress has overrun its deadline; else undefined. */
  overrun(now = Date.now()): string | undefined {
    const p = this.pass;
    if (!p || now - p.startedAt <= p.deadlineMs) return undefined;
    return `the ${p.kind} pass started at ${new Date(p.startedAt).toISOString()} has been working for ${formatDuration(now - p.startedAt)}, past its deadline of ${formatDuration(p.deadlineMs)} (passTimeout)`;
  }

  /** For the "skipping" log line: which pass holds the loop and for how long. */
  describe(now = Date.now()): { pass?: PassKind; workingMs?: number; deadlineMs?: number } {
    const p = this.pass;
    return p ? { pass: p.kind, workingMs: now - p.startedAt, deadlineMs: p.deadlineMs } : {};
  }
}

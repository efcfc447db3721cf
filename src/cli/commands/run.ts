/** `certloop run` and `certloop renew NAME... [--force]`: a reconciliation pass, printed. */
import { runOnce, type RunSummary } from '../../controller/run.js';
import type { CertificateOutcome } from '../../controller/certificate.js';
import { CertloopError } from '../../errors.js';
import { EXIT, print, printJson, withContext, type GlobalOptions } from '../context.js';
import { shortSerial } from '../format.js';
import { parseShard } from '../../controller/shard.js';

export async function runCommand(opts: GlobalOptions & { names?: string[]; force?: boolean; shard?: string }): Promise<number> {
  // Parsed before the config is loaded: a wrong --shard is a usage error whatever the config says.
  const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
  return withContext(opts, async ({ config, store, log }) => {
    if (shard) log.info({ shard: `${shard.index}/${shard.count}` }, `working on shard ${shard.index} of ${shard.count}`);
    if (opts.names) {
      const known = new Set(config.certificates.map((c) => c.name));
      const unknown = opts.names.filter((n) => !known.has(n));
      if (unknown.length > 0) {
        throw new CertloopError('USAGE', `no certificate named ${unknown.join(', ')} in ${config.file} (known: ${[...known].join(', ')})`, { retryable: false });
      }
    }
    const progress = !opts.json && process.stdout.isTTY;
    const summary = await runOnce({
      config,
      store,
      log,
      names: opts.names,
      force: opts.force,
      shard,
      onOutcome: progress ? (o) => print(outcomeLine(o)) : undefined,
    });
    if (opts.json) printJson({ ...summaryJson(summary), shard: shard ?? null });
    else {
      if (!progress) summary.certificates.forEach((o) => print(outcomeLine(o)));
      const c = summary.counts;
      print(
        (shard ? `shard ${shard.index}/${shard.count}: ` : '') +
          `${c.total} certificate(s): ${c.renewed} renewed, ${c.deployed} deployed, ${c.verified} verified, ${c.pending} pending, ${c.failed} failed` +
          (c.waiting ? `, ${c.waiting} waiting to retry` : '') +
          (c.locked ? `, ${c.locked} skipped (locked by another process)` : ''),
      );
    }
    return summary.exitCode === 0 ? EXIT.OK : EXIT.FAILED;
  });
}

function outcomeLine(o: CertificateOutcome): string {
  const mark = { ready: 'ok     ', pending: 'PENDING', failed: 'FAILED ', waiting: 'WAITING' }[o.verdict];
  const did = [o.renewed && `renewed ${shortSerial(o.issuedSerial)}`, o.deployed && 'deployed'].filter(Boolean).join(', ');
  const detail = o.error
    ? `${o.error.step}: ${o.error.message}`
    : o.verification
      ? o.verification.summary
      : o.decision.message;
  return `${mark} ${o.name}${did ? ` (${did})` : ''}: ${detail}`;
}

/** The documented, stable shape of `run --json` (see README "JSON output"). */
export function summaryJson(s: RunSummary) {
  return {
    startedAt: s.startedAt,
    durationMs: s.durationMs,
    exitCode: s.exitCode,
    summary: s.counts,
    certificates: s.certificates.map((o) => ({
      name: o.name,
      verdict: o.verdict,
      action: o.decision.action,
      reason: o.decision.reason,
      message: o.decision.message,
      renewAt: o.decision.renewAt?.toISOString(),
      renewed: o.renewed,
      deployed: o.deployed,
      issuedSerial: o.issuedSerial ?? null,
      deployedSerial: o.deployedSerial ?? null,
      verified: o.verification?.verified ?? null,
      endpoints: o.verification?.results ?? [],
      error: o.error ?? null,
    })),
  };
}

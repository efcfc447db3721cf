/**
 * Observed state of the deployment targets, for `status`: what each target holds now (the latest
 * Key Vault version, the certificate in the file), next to what certloop believes it deployed.
 * A target that cannot be read is shown with its error; it never fails `status`.
 */
import type { CertificateConfig } from '../config/schema.js';
import { describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { canDescribeObservation, isObservable } from '../plugins.js';
import { createTarget } from '../../providers/registry.js';

export interface ObservedTarget {
  id: string;
  target: string;
  serial: string | null;
  /** The target's own version name (Key Vault version id), when it has one. */
  version: string | null;
  notAfter: string | null;
  error: string | null;
}

export async function observeTargets(cert: CertificateConfig, log: Logger, baseDir: string, timeoutMs = 20_000): Promise<ObservedTarget[]> {
  const out: ObservedTarget[] = [];
  for (const config of cert.targets ?? []) {
    const target = await createTarget(config, cert.name);
    if (!isObservable(target) && !canDescribeObservation(target)) continue;
    const ctx = { log, baseDir, signal: AbortSignal.timeout(timeoutMs) };
    const entry: ObservedTarget = { id: target.id, target: target.describe(), serial: null, version: null, notAfter: null, error: null };
    try {
      if (canDescribeObservation(target)) {
        const seen = await target.observe(ctx);
        entry.serial = seen?.serial ?? null;
        entry.version = seen?.version ?? null;
        entry.notAfter = seen?.notAfter?.toISOString() ?? null;
      } else if (isObservable(target)) {
        entry.serial = (await target.currentSerial(ctx)) ?? null;
      }
    } catch (err) {
      entry.error = describeError(err);
    }
    out.push(entry);
  }
  return out;
}

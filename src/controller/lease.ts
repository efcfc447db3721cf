/**
 * Taking a certificate's lease, including one left behind by a certloop process that died
 * (kill -9, OOM killer, power cut) on this same host: its owner string names the host and pid, and
 * a pid that no longer exists cannot be working. Without this, a crash would block the certificate
 * until the lease expires (10 minutes).
 *
 * What this does not cover: a holder on another host (a Kubernetes pod, another VM) is never
 * judged dead; its lease is taken over only once it expires. A pid reused by an unrelated process
 * looks alive, which only delays the takeover until expiry.
 */
import os from 'node:os';
import type { Logger } from '../observability/logger.js';
import type { Lease, StateStore } from '../state/store.js';

/** "host:pid:random", unique per process and run. */
export function leaseOwner(suffix: string): string {
  return `${os.hostname()}:${process.pid}:${suffix}`;
}

export function holderIsDead(holder: string, self: string): boolean {
  const [host, pidText] = holder.split(':');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || holder === self) return false;
  // Our own pid with another suffix is an earlier process that had the same pid: gone.
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function acquireLease(store: StateStore, name: string, owner: string, ttlMs: number, log: Logger): Promise<Lease | undefined> {
  const lease = await store.acquireLock(name, owner, ttlMs);
  if (lease) return lease;
  const holder = await store.lockHolder(name);
  if (!holder || !holderIsDead(holder.owner, owner)) return undefined;
  log.warn({ certificate: name, holder: holder.owner }, 'taking over the lock of a certloop process that is no longer running');
  if (!(await store.breakLock(name, holder.owner))) return undefined;
  return store.acquireLock(name, owner, ttlMs);
}

/**
 * Leases this process holds right now. A daemon that must exit before the step in progress has
 * finished (SIGTERM past shutdownTimeout) releases them on the way out, so the next run on any
 * host proceeds at once instead of waiting for them to expire.
 */
const held = new Set<Lease>();

export function holding(lease: Lease): void {
  held.add(lease);
}

export function released(lease: Lease): void {
  held.delete(lease);
}

export async function releaseHeldLeases(log: Logger): Promise<number> {
  const leases = [...held];
  held.clear();
  await Promise.all(
    leases.map((l) => l.release().catch((err: unknown) => log.warn({ certificate: l.name, err: (err as Error)?.message }, 'cannot release the lock'))),
  );
  return leases.length;
}

/**
 * The state store contract. Every implementation (SQLite here; others must pass the same contract
 * tests in test/unit/state/) promises:
 *
 * - `get` returns the last record written by `put`, or undefined.
 * - `put(record)` is atomic and conditional: it succeeds only if the stored version still equals
 *   `record.version` (0 for a new record), then stores it with version + 1 and returns that. A
 *   mismatch throws a StateConflictError: a concurrent writer got there first, nothing is lost.
 * - `acquireLock(name, owner, ttl)` grants a lease to one owner at a time; an expired lease may be
 *   taken over. A lease is advisory: it does NOT stop a process that ignores it or whose lease
 *   expired mid-step (a paused VM), which is why writes are also version-checked and why the loop
 *   re-checks the work after taking the lock.
 * - A lease may be shorter than the TTL asked for (`expiresAt` says when it really ends); holders
 *   renew it every `leaseRenewMs` when the store sets that.
 * - Secrets (private keys) live inside records; implementations keep their files 0600.
 * - `lockHolder(name)` tells who holds a lease (for taking over one left by a process that died:
 *   see src/controller/lease.ts); `breakLock(name, owner)` removes it only if that owner still
 *   holds it, and returns whether it did.
 * - `getValue`/`setValue` keep small named strings beside the records: open problems and
 *   notification throttling ("problems/<certificate>", "notified/<notifier>/<certificate>/<event>"),
 *   the per-installation seed of the default schedule ("installation-id"). `setValue(key,
 *   undefined)` deletes. Last write wins; callers write a certificate's keys only while holding
 *   its lease. Values are never secret.
 */
import type { CertificateRecord, HistoryEvent } from './record.js';
import type { FreshnessView } from './freshness-view.js';

export interface AccountRecord {
  directory: string;
  /** PEM of the account key. Never logged. */
  keyPem: string;
  url?: string;
  email?: string;
  createdAt: string;
  /**
   * `certloop account rollover` in flight: the key the CA is being asked to switch to (RFC 8555
   * §7.3.5), stored before the CA hears of it, so a crash after the CA switched cannot lose it.
   * The next use of the account asks the CA which of the two it knows (acme/account.ts). Never logged.
   */
  nextKeyPem?: string;
  /** When the account key was last replaced by a rollover. */
  keyRolledAt?: string;
  /** Set by `certloop account deactivate`: the CA refuses this account now; the next order registers a new one. */
  deactivatedAt?: string;
  /** Accounts this directory had before, deactivated, newest first (for `account show`). */
  formerAccounts?: { url: string; deactivatedAt: string }[];
}

export interface Lease {
  name: string;
  owner: string;
  expiresAt: number;
  /** Extend the lease while working; false when it was lost to another owner. */
  renew(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

export interface StateStore {
  /**
   * How often a lock holder must renew its lease, when the store cannot keep leases as long as
   * asked (Azure Blob leases last at most 60 s). Absent: a third of the TTL the holder asked for.
   */
  readonly leaseRenewMs?: number;
  get(name: string): Promise<CertificateRecord | undefined>;
  list(): Promise<CertificateRecord[]>;
  put(record: CertificateRecord): Promise<number>;
  addEvent(event: HistoryEvent): Promise<void>;
  events(certificate: string | undefined, limit: number): Promise<HistoryEvent[]>;
  getAccount(directory: string): Promise<AccountRecord | undefined>;
  putAccount(account: AccountRecord): Promise<void>;
  acquireLock(name: string, owner: string, ttlMs: number): Promise<Lease | undefined>;
  lockHolder(name: string): Promise<{ owner: string; expiresAt: number } | undefined>;
  breakLock(name: string, owner: string): Promise<boolean>;
  getValue(key: string): Promise<string | undefined>;
  setValue(key: string, value: string | undefined): Promise<void>;
  /**
   * Optional: every certificate's freshness view (freshness-view.ts) in one read, for
   * `run --recheck due`. A name missing from the map is read with get().
   */
  freshnessViews?(): Promise<Map<string, FreshnessView>>;
  /**
   * Optional: is the store still usable by this process? The SQLite store checks that its file
   * was not deleted (it writes it back from the open connection: `ok` with a `message` saying so)
   * or replaced (`ok: false`: restart to use the new file). The daemon asks before each pass and
   * on /healthz (src/state/health.ts).
   */
  checkHealth?(): Promise<{ ok: boolean; message?: string }>;
  close(): Promise<void>;
}

export class StateConflictError extends Error {
  constructor(readonly certificate: string, readonly expected: number) {
    super(`state of ${certificate} changed underneath (expected version ${expected}); another process wrote it`);
    this.name = 'StateConflictError';
  }
}

/**
 * An in-memory StateStore that follows the same contract as the SQLite store, for work that must
 * leave the real state alone (`certloop drill` runs the real pipeline against a copy of a record).
 * Accounts are delegated to a backing store when there is one, so a drill reuses the staging account
 * it registered last time instead of registering a new one on every drill; without one they are
 * kept here like everything else. test/unit/state/memory.test.ts runs the store contract on it.
 */
import type { CertificateRecord, HistoryEvent } from './record.js';
import { StateConflictError, type AccountRecord, type Lease, type StateStore } from './store.js';

export class MemoryStore implements StateStore {
  private readonly records = new Map<string, CertificateRecord>();
  private readonly history: HistoryEvent[] = [];
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();
  private readonly values = new Map<string, string>();
  private readonly ownAccounts = new Map<string, AccountRecord>();

  constructor(private readonly accounts?: Pick<StateStore, 'getAccount' | 'putAccount'>) {}

  async get(name: string): Promise<CertificateRecord | undefined> {
    const r = this.records.get(name);
    return r ? structuredClone(r) : undefined;
  }

  async list(): Promise<CertificateRecord[]> {
    // Sorted by name, as the SQLite and Blob stores list them (the contract says so).
    return [...this.records.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((r) => structuredClone(r));
  }

  async put(record: CertificateRecord): Promise<number> {
    const stored = this.records.get(record.name);
    if ((stored?.version ?? 0) !== record.version) throw new StateConflictError(record.name, record.version);
    record.version += 1;
    this.records.set(record.name, structuredClone(record));
    return record.version;
  }

  async addEvent(event: HistoryEvent): Promise<void> {
    this.history.push(event);
  }

  async events(certificate: string | undefined, limit: number): Promise<HistoryEvent[]> {
    return this.history.filter((e) => certificate === undefined || e.certificate === certificate).reverse().slice(0, limit);
  }

  async getAccount(directory: string): Promise<AccountRecord | undefined> {
    if (this.accounts) return this.accounts.getAccount(directory);
    const a = this.ownAccounts.get(directory);
    return a ? { ...a } : undefined;
  }

  async putAccount(account: AccountRecord): Promise<void> {
    if (this.accounts) await this.accounts.putAccount(account);
    else this.ownAccounts.set(account.directory, { ...account });
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const held = this.locks.get(name);
    if (held && held.owner !== owner && held.expiresAt > Date.now()) return undefined;
    const entry = { owner, expiresAt: Date.now() + ttlMs };
    this.locks.set(name, entry);
    const lease: Lease = {
      name,
      owner,
      expiresAt: entry.expiresAt,
      // The lock as it is now: the owner may have taken it again since (a new entry).
      renew: async (ttl) => {
        const held = this.locks.get(name);
        if (held?.owner !== owner) return false;
        held.expiresAt = lease.expiresAt = Date.now() + ttl;
        return true;
      },
      release: async () => {
        if (this.locks.get(name)?.owner === owner) this.locks.delete(name);
      },
    };
    return lease;
  }

  async lockHolder(name: string): Promise<{ owner: string; expiresAt: number } | undefined> {
    const held = this.locks.get(name);
    return held ? { ...held } : undefined;
  }

  async breakLock(name: string, owner: string): Promise<boolean> {
    if (this.locks.get(name)?.owner !== owner) return false;
    this.locks.delete(name);
    return true;
  }

  async getValue(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async setValue(key: string, value: string | undefined): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
  }

  async close(): Promise<void> {}
}

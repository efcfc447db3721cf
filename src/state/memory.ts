/**
 * An in-memory StateStore that follows the same contract as the SQLite store, for work that must
 * leave the real state alone (`certloop drill` runs the real pipeline against a copy of a record).
 * Accounts are delegated to a backing store, so a drill reuses the staging account it registered
 * last time instead of registering a new one on every drill.
 */
import type { CertificateRecord, HistoryEvent } from './record.js';
import { StateConflictError, type AccountRecord, type Lease, type StateStore } from './store.js';

export class MemoryStore implements StateStore {
  private readonly records = new Map<string, CertificateRecord>();
  private readonly history: HistoryEvent[] = [];
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();
  private readonly values = new Map<string, string>();

  constructor(private readonly accounts?: Pick<StateStore, 'getAccount' | 'putAccount'>) {}

  async get(name: string): Promise<CertificateRecord | undefined> {
    const r = this.records.get(name);
    return r ? structuredClone(r) : undefined;
  }

  async list(): Promise<CertificateRecord[]> {
    return [...this.records.values()].map((r) => structuredClone(r));
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
    return this.accounts?.getAccount(directory);
  }

  async putAccount(account: AccountRecord): Promise<void> {
    await this.accounts?.putAccount(account);
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const held = this.locks.get(name);
    if (held && held.owner !== owner && held.expiresAt > Date.now()) return undefined;
    const entry = { owner, expiresAt: Date.now() + ttlMs };
    this.locks.set(name, entry);
    return {
      name,
      owner,
      expiresAt: entry.expiresAt,
      renew: async (ttl) => {
        if (this.locks.get(name)?.owner !== owner) return false;
        entry.expiresAt = Date.now() + ttl;
        return true;
      },
      release: async () => {
        if (this.locks.get(name)?.owner === owner) this.locks.delete(name);
      },
    };
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

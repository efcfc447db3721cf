/**
 * Opens the configured state store. SQLite opens at once; Azure Blob loads its SDK on first use,
 * so users of the embedded store never load @azure/storage-blob or @azure/identity.
 */
import type { CertificateRecord, HistoryEvent } from './record.js';
import type { AzureBlobStateConfig, StateConfig } from './config.js';
import { SqliteStore } from './sqlite.js';
import type { AccountRecord, Lease, StateStore } from './store.js';

export function openStore(state: StateConfig): StateStore {
  if (typeof state === 'string') return new SqliteStore(state);
  switch (state.type) {
    case 'sqlite':
      return new SqliteStore(state.path);
    case 'azure-blob':
      return new DeferredStore(state);
  }
}

/** Delegates to a BlobStore created on first use (the SDK import is asynchronous). */
class DeferredStore implements StateStore {
  readonly leaseRenewMs: number;
  private store?: Promise<StateStore>;

  constructor(private readonly config: AzureBlobStateConfig) {
    this.leaseRenewMs = Math.floor(config.leaseDuration / 3);
  }

  private open(): Promise<StateStore> {
    this.store ??= import('./blob-client.js').then((m) => m.openBlobStore(this.config));
    return this.store;
  }

  async get(name: string): Promise<CertificateRecord | undefined> {
    return (await this.open()).get(name);
  }
  async list(): Promise<CertificateRecord[]> {
    return (await this.open()).list();
  }
  async put(record: CertificateRecord): Promise<number> {
    return (await this.open()).put(record);
  }
  async addEvent(event: HistoryEvent): Promise<void> {
    return (await this.open()).addEvent(event);
  }
  async events(certificate: string | undefined, limit: number): Promise<HistoryEvent[]> {
    return (await this.open()).events(certificate, limit);
  }
  async getAccount(directory: string): Promise<AccountRecord | undefined> {
    return (await this.open()).getAccount(directory);
  }
  async putAccount(account: AccountRecord): Promise<void> {
    return (await this.open()).putAccount(account);
  }
  async acquireLock(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    return (await this.open()).acquireLock(name, owner, ttlMs);
  }
  async lockHolder(name: string): Promise<{ owner: string; expiresAt: number } | undefined> {
    return (await this.open()).lockHolder(name);
  }
  async breakLock(name: string, owner: string): Promise<boolean> {
    return (await this.open()).breakLock(name, owner);
  }
  async getValue(key: string): Promise<string | undefined> {
    return (await this.open()).getValue(key);
  }
  async setValue(key: string, value: string | undefined): Promise<void> {
    return (await this.open()).setValue(key, value);
  }
  async close(): Promise<void> {
    if (this.store) await (await this.store.catch(() => undefined))?.close();
  }
}

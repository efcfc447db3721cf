/**
 * Shared state on Azure Blob Storage, for many certloop processes (an Indexed Job, several hosts)
 * over one set of certificates. Same contract as the SQLite store (see store.ts):
 *
 *   <prefix>certificates/<name>.json   one JSON record per certificate, `version` kept inside
 *   <prefix>events/<name>/<key>.json   one blob per event; keys sort newest first
 *   <prefix>accounts/<hash>.json       one ACME account per directory URL
 *   <prefix>locks/<name>               empty blobs whose *leases* are the per-certificate locks
 *
 * Versions map onto ETags: a write of version v+1 is conditional on the ETag of the blob that held
 * version v (If-Match), and the first write on the blob not existing (If-None-Match: *). The ETag
 * is taken from the same response that returned the record's body, so "the stored version still
 * equals record.version" holds exactly when the condition holds. A 412/409 becomes a
 * StateConflictError, never a silent overwrite.
 *
 * Leases: Azure allows 15–60 s fixed leases. Whatever TTL the caller asks for is capped at the
 * store's lease duration, and `leaseRenewMs` tells the caller how often to renew. A process that
 * dies holding a lease blocks the certificate for at most one lease duration; Azure then treats
 * the lease as expired and the next acquire succeeds. What a lease does not guarantee is spelled
 * out in store.ts: it is advisory, writes stay version-checked.
 *
 * Secrets: the records hold private keys, so the container must be private (the Bicep in
 * infra/azure creates it so). Errors name the blob and the HTTP status, never the connection
 * string, account key or a SAS token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { CertloopError } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import type { CertificateRecord, HistoryEvent } from './record.js';
import { StateConflictError, type AccountRecord, type Lease, type StateStore } from './store.js';

export const MIN_LEASE_SECONDS = 15;
export const MAX_LEASE_SECONDS = 60;

export interface BlobStoreOptions {
  container: ContainerClient;
  /** Blob name prefix, so several installations can share one container ("prod/"). */
  prefix?: string;
  /** Lease duration in seconds, 15–60 (Azure's limits for fixed leases). Default 60. */
  leaseSeconds?: number;
  /** Create the container when missing (needs the right to; failures are only reported on use). */
  createContainer?: boolean;
  /** The per-request deadline the container client was built with (state.timeout), for messages. */
  timeoutMs?: number;
}

interface Cached {
  version: number;
  etag: string;
}

const LIST_CONCURRENCY = 16;
const MAX_MS = 9_999_999_999_999;

export class BlobStore implements StateStore {
  readonly container: ContainerClient;
  readonly prefix: string;
  readonly leaseSeconds: number;
  /** How often a holder must renew a lease from this store (a third of its duration). */
  readonly leaseRenewMs: number;
  /** ETag of the last version this process read or wrote, per certificate. */
  private readonly etags = new Map<string, Cached>();
  private ready?: Promise<void>;
  private eventSeq = 0;

  constructor(private readonly opts: BlobStoreOptions) {
    this.container = opts.container;
    this.prefix = opts.prefix ?? '';
    const lease = opts.leaseSeconds ?? MAX_LEASE_SECONDS;
    if (!Number.isInteger(lease) || lease < MIN_LEASE_SECONDS || lease > MAX_LEASE_SECONDS) {
      throw new RangeError(`lease duration must be a whole number of seconds between ${MIN_LEASE_SECONDS} and ${MAX_LEASE_SECONDS}, got ${lease}`);
    }
    this.leaseSeconds = lease;
    this.leaseRenewMs = Math.floor((lease * 1000) / 3);
  }

  /** Where this store keeps its state, for messages: account/container/prefix, no credentials. */
  describe(): string {
    return `azure-blob ${this.container.accountName}/${this.container.containerName}/${this.prefix}`;
  }

  async get(name: string): Promise<CertificateRecord | undefined> {
    const got = await this.read(this.certBlob(name), 'read');
    if (!got) return undefined;
    const record = JSON.parse(got.body) as CertificateRecord;
    this.etags.set(name, { version: record.version, etag: got.etag });
    return record;
  }

  async list(): Promise<CertificateRecord[]> {
    const names = await this.listNames(`${this.prefix}certificates/`);
    const records = await mapLimit(names, LIST_CONCURRENCY, async (blob) => {
      const got = await this.read(blob, 'read');
      if (!got) return undefined; // deleted between list and read
      const record = JSON.parse(got.body) as CertificateRecord;
      this.etags.set(record.name, { version: record.version, etag: got.etag });
      return record;
    });
    return records.filter((r): r is CertificateRecord => r !== undefined).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async put(record: CertificateRecord): Promise<number> {
    await this.ensureContainer();
    const next = record.version + 1;
    const body = JSON.stringify({ ...record, version: next });
    const blobName = this.certBlob(record.name);
    const conditions = record.version === 0 ? { ifNoneMatch: '*' } : { ifMatch: await this.etagOf(record.name, record.version) };
    try {
      const res = await this.container.getBlockBlobClient(blobName).upload(body, Buffer.byteLength(body), {
        conditions,
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      this.etags.set(record.name, { version: next, etag: res.etag! });
    } catch (err) {
      // 412: If-Match failed (someone wrote a newer version); 409: If-None-Match: * found a blob.
      if (statusOf(err) === 412 || statusOf(err) === 409) {
        this.etags.delete(record.name);
        throw new StateConflictError(record.name, record.version);
      }
      throw this.failure(err, 'write', blobName);
    }
    record.version = next;
    return next;
  }

  async addEvent(e: HistoryEvent): Promise<void> {
    await this.ensureContainer();
    const blobName = `${this.prefix}events/${e.certificate}/${this.eventKey()}.json`;
    const body = JSON.stringify(e);
    try {
      await this.container.getBlockBlobClient(blobName).upload(body, Buffer.byteLength(body), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (err) {
      throw this.failure(err, 'write', blobName);
    }
  }

  async events(certificate: string | undefined, limit: number): Promise<HistoryEvent[]> {
    if (limit <= 0) return [];
    const prefix = certificate === undefined ? `${this.prefix}events/` : `${this.prefix}events/${certificate}/`;
    // Keys sort newest first within a certificate; across certificates, sort by the key part.
    const names = await this.listNames(prefix, certificate === undefined ? undefined : limit);
    const newest = names
      .map((n) => ({ n, key: n.slice(n.lastIndexOf('/') + 1) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, limit);
    const events = await mapLimit(newest, LIST_CONCURRENCY, async ({ n }) => {
      const got = await this.read(n, 'read');
      return got ? (JSON.parse(got.body) as HistoryEvent) : undefined;
    });
    return events.filter((e): e is HistoryEvent => e !== undefined);
  }

  async getAccount(directory: string): Promise<AccountRecord | undefined> {
    const got = await this.read(this.accountBlob(directory), 'read');
    return got ? (JSON.parse(got.body) as AccountRecord) : undefined;
  }

  async putAccount(account: AccountRecord): Promise<void> {
    await this.ensureContainer();
    const blobName = this.accountBlob(account.directory);
    const body = JSON.stringify(account);
    try {
      await this.container.getBlockBlobClient(blobName).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (err) {
      throw this.failure(err, 'write', blobName);
    }
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    await this.ensureContainer();
    const blobName = `${this.prefix}locks/${name}`;
    const blob = this.container.getBlockBlobClient(blobName);
    const leaseClient = blob.getBlobLeaseClient(leaseIdFor(owner));
    const seconds = Math.min(this.leaseSeconds, Math.max(MIN_LEASE_SECONDS, Math.ceil(ttlMs / 1000)));

    const acquire = async (): Promise<boolean> => {
      try {
        await leaseClient.acquireLease(seconds);
        return true;
      } catch (err) {
        if (statusOf(err) === 409) return false; // LeaseAlreadyPresent: another owner holds it
        if (statusOf(err) !== 404) throw this.failure(err, 'lock', blobName);
      }
      // The lock blob does not exist yet: create it (a racing creator is fine), then try again.
      try {
        await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } });
      } catch (err) {
        if (statusOf(err) !== 409 && statusOf(err) !== 412) throw this.failure(err, 'lock', blobName);
      }
      try {
        await leaseClient.acquireLease(seconds);
        return true;
      } catch (err) {
        if (statusOf(err) === 409) return false;
        throw this.failure(err, 'lock', blobName);
      }
    };
    if (!(await acquire())) return undefined;
    // Who holds it, for lockHolder(): metadata written under the lease, so only the holder can.
    try {
      await blob.setMetadata({ owner }, { conditions: { leaseId: leaseClient.leaseId } });
    } catch (err) {
      await leaseClient.releaseLease().catch(() => undefined);
      throw this.failure(err, 'lock', blobName);
    }

    const lease: Lease = {
      name,
      owner,
      expiresAt: Date.now() + seconds * 1000,
      // A renewal keeps the duration the lease was acquired with (Azure cannot change it on renew).
      renew: async () => {
        try {
          await leaseClient.renewLease();
          lease.expiresAt = Date.now() + seconds * 1000;
          return true;
        } catch (err) {
          // 409: the lease expired and another owner took it (LeaseIdMismatch, LeaseLost...).
          if (statusOf(err) === 409 || statusOf(err) === 412) return false;
          throw this.failure(err, 'lock', blobName);
        }
      },
      release: async () => {
        try {
          await leaseClient.releaseLease();
        } catch (err) {
          if (statusOf(err) === 409 || statusOf(err) === 412) return; // not ours anymore: nothing to release
          throw this.failure(err, 'lock', blobName);
        }
      },
    };
    return lease;
  }

  /** The holder of a leased lock blob (its expiry is not exposed by Azure: at most the lease duration). */
  async lockHolder(name: string): Promise<{ owner: string; expiresAt: number } | undefined> {
    const blobName = `${this.prefix}locks/${name}`;
    try {
      const props = await this.container.getBlockBlobClient(blobName).getProperties();
      if (props.leaseState !== 'leased' || !props.metadata?.owner) return undefined;
      return { owner: props.metadata.owner, expiresAt: Date.now() + this.leaseSeconds * 1000 };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.failure(err, 'lock', blobName);
    }
  }

  /** Breaks the lease only while `owner` still holds it (checked first; a lease break is immediate). */
  async breakLock(name: string, owner: string): Promise<boolean> {
    const holder = await this.lockHolder(name);
    if (holder?.owner !== owner) return false;
    const blobName = `${this.prefix}locks/${name}`;
    try {
      await this.container.getBlockBlobClient(blobName).getBlobLeaseClient(leaseIdFor(owner)).breakLease(0);
      return true;
    } catch (err) {
      if (statusOf(err) === 409 || statusOf(err) === 404) return false;
      throw this.failure(err, 'lock', blobName);
    }
  }

  async getValue(key: string): Promise<string | undefined> {
    return (await this.read(this.valueBlob(key), 'read'))?.body;
  }

  /** Last write wins, as the contract says; `undefined` deletes. */
  async setValue(key: string, value: string | undefined): Promise<void> {
    await this.ensureContainer();
    const blobName = this.valueBlob(key);
    const blob = this.container.getBlockBlobClient(blobName);
    try {
      if (value === undefined) await blob.deleteIfExists();
      else await blob.upload(value, Buffer.byteLength(value), { blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } });
    } catch (err) {
      throw this.failure(err, 'write', blobName);
    }
  }

  private valueBlob(key: string): string {
    return `${this.prefix}values/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  async close(): Promise<void> {
    this.etags.clear();
  }

  private certBlob(name: string): string {
    return `${this.prefix}certificates/${name}.json`;
  }

  private accountBlob(directory: string): string {
    return `${this.prefix}accounts/${createHash('sha256').update(directory).digest('hex').slice(0, 32)}.json`;
  }

  /**
   * Newest first by name: inverted insertion time, then an inverted per-process sequence (two
   * events in one millisecond keep their order), then randomness against other processes.
   */
  private eventKey(): string {
    const ms = String(MAX_MS - Date.now()).padStart(13, '0');
    const seq = String(999_999 - (this.eventSeq++ % 1_000_000)).padStart(6, '0');
    return `${ms}-${seq}-${randomBytes(4).toString('hex')}`;
  }

  /** The ETag that belongs to `version` of the record, or a conflict if the stored version moved. */
  private async etagOf(name: string, version: number): Promise<string> {
    const cached = this.etags.get(name);
    if (cached && cached.version === version) return cached.etag;
    const got = await this.read(this.certBlob(name), 'read');
    const stored = got ? (JSON.parse(got.body) as CertificateRecord).version : 0;
    if (!got || stored !== version) throw new StateConflictError(name, version);
    this.etags.set(name, { version, etag: got.etag });
    return got.etag;
  }

  private async read(blobName: string, op: 'read'): Promise<{ body: string; etag: string } | undefined> {
    try {
      const res = await this.container.getBlockBlobClient(blobName).download(0);
      const body = await streamToString(res.readableStreamBody!);
      return { body, etag: res.etag! };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.failure(err, op, blobName);
    }
  }

  private async listNames(prefix: string, max?: number): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const page of this.container.listBlobsFlat({ prefix }).byPage({ maxPageSize: max ?? 5000 })) {
        for (const item of page.segment.blobItems) names.push(item.name);
        if (max !== undefined && names.length >= max) break;
      }
    } catch (err) {
      if (statusOf(err) === 404) return []; // no container yet: nothing stored
      throw this.failure(err, 'list', prefix);
    }
    return names;
  }

  private ensureContainer(): Promise<void> {
    if (this.opts.createContainer === false) return Promise.resolve();
    this.ready ??= this.container.createIfNotExists().then(
      () => undefined,
      (err: unknown) => {
        // Without the right to create containers (a data-plane-only role), use it as it is;
        // a missing container then shows up as a clear 404 on the first write.
        if (statusOf(err) === 403) return;
        this.ready = undefined;
        throw this.failure(err, 'create container', this.container.containerName);
      },
    );
    return this.ready;
  }

  /** An error that names the blob and the HTTP status, never credentials or a SAS token. */
  private failure(err: unknown, op: string, what: string): CertloopError {
    const status = statusOf(err);
    const code = (err as { code?: string })?.code;
    const timedOut = (err as Error)?.name === 'AbortError' && this.opts.timeoutMs !== undefined;
    const detail = status
      ? `HTTP ${status}${code ? ` ${code}` : ''}`
      : timedOut
        ? `no answer within ${formatDuration(this.opts.timeoutMs!)} (state.timeout)`
        : (code ?? (err as Error)?.name ?? 'error');
    const hint =
      status === 403
        ? ' (the identity lacks "Storage Blob Data Contributor" on the container, or the key is wrong)'
        : status === 404
          ? ` (does the container "${this.container.containerName}" exist?)`
          : '';
    return new CertloopError('STATE_FAILED', `azure-blob state: cannot ${op} ${what} in ${this.container.accountName}/${this.container.containerName}: ${detail}${hint}`, {
      step: 'state',
      retryable: status === undefined || status >= 500 || status === 429,
    });
  }
}

/** Azure lease IDs are GUIDs; derive a stable one from the owner so re-acquiring is idempotent. */
export function leaseIdFor(owner: string): string {
  const h = createHash('sha256').update(owner).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

async function streamToString(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

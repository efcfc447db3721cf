/**
 * The default store: one SQLite file in WAL mode. Records are JSON documents keyed by certificate
 * name; a version column makes every write conditional (see store.ts for the contract).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CertificateRecord, HistoryEvent } from './record.js';
import { isStorageError, stateError } from './errors.js';
import { StateConflictError, type AccountRecord, type Lease, type StateStore } from './store.js';
import { summarize } from './summary.js';
import { freshnessView, type FreshnessView } from './freshness-view.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS certificates (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  certificate TEXT NOT NULL,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  data TEXT
);
CREATE INDEX IF NOT EXISTS events_by_certificate ON events (certificate, id);
CREATE TABLE IF NOT EXISTS accounts (
  directory TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS locks (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS summaries (
  name TEXT PRIMARY KEY,
  summary TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS summaries_follow_update AFTER UPDATE ON certificates
BEGIN DELETE FROM summaries WHERE name = OLD.name; END;
CREATE TRIGGER IF NOT EXISTS summaries_follow_delete AFTER DELETE ON certificates
BEGIN DELETE FROM summaries WHERE name = OLD.name; END;
CREATE TABLE IF NOT EXISTS freshness (
  name TEXT PRIMARY KEY,
  view TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS freshness_follow_update AFTER UPDATE ON certificates
BEGIN DELETE FROM freshness WHERE name = OLD.name; END;
CREATE TRIGGER IF NOT EXISTS freshness_follow_delete AFTER DELETE ON certificates
BEGIN DELETE FROM freshness WHERE name = OLD.name; END;
`;

/**
 * PRAGMA user_version of the schema above. 1: the summaries table (summary.ts), which `plan` reads
 * instead of the ~3 KB records. 2: the freshness table (freshness-view.ts), which
 * `run --recheck due` reads. Neither is ever newer than its record: the triggers drop both on any
 * change to the record, even one made by hand, and readers then use the record itself.
 */
const SCHEMA_VERSION = 2;

function prepareStatements(db: Database.Database) {
  return {
    get: db.prepare<[string], { record: string }>('SELECT record FROM certificates WHERE name = ?'),
    list: db.prepare<[], { record: string }>('SELECT record FROM certificates ORDER BY name'),
    insert: db.prepare('INSERT INTO certificates (name, version, record) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING'),
    update: db.prepare('UPDATE certificates SET version = ?, record = ? WHERE name = ? AND version = ?'),
    putSummary: db.prepare('INSERT INTO summaries (name, summary) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET summary = excluded.summary'),
    putView: db.prepare('INSERT INTO freshness (name, view) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET view = excluded.view'),
    views: db.prepare<[], [string, string]>('SELECT name, view FROM freshness').raw(),
    addEvent: db.prepare('INSERT INTO events (certificate, at, type, message, data) VALUES (?, ?, ?, ?, ?)'),
    eventsFor: db.prepare<[string, number], EventRow>(
      'SELECT certificate, at, type, message, data FROM events WHERE certificate = ? ORDER BY id DESC LIMIT ?',
    ),
    eventsAll: db.prepare<[number], EventRow>('SELECT certificate, at, type, message, data FROM events ORDER BY id DESC LIMIT ?'),
    getAccount: db.prepare<[string], { record: string }>('SELECT record FROM accounts WHERE directory = ?'),
    putAccount: db.prepare('INSERT INTO accounts (directory, record) VALUES (?, ?) ON CONFLICT(directory) DO UPDATE SET record = excluded.record'),
    takeLock: db.prepare(
      `INSERT INTO locks (name, owner, expires_at) VALUES (@name, @owner, @expires)
       ON CONFLICT(name) DO UPDATE SET owner = @owner, expires_at = @expires
       WHERE locks.owner = @owner OR locks.expires_at < @now`,
    ),
    renewLock: db.prepare('UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?'),
    releaseLock: db.prepare('DELETE FROM locks WHERE name = ? AND owner = ?'),
    lockHolder: db.prepare<[string], { owner: string; expires_at: number }>('SELECT owner, expires_at FROM locks WHERE name = ?'),
    getValue: db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?'),
    setValue: db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    deleteValue: db.prepare('DELETE FROM kv WHERE key = ?'),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

export class SqliteStore implements StateStore {
  private db!: Database.Database;
  private stmts!: Statements;
  /** The file this store opened (device and inode), to notice it being deleted or replaced. */
  private opened!: { dev: number; ino: number };

  constructor(readonly file: string) {
    try {
      this.open();
    } catch (err) {
      throw stateError(file, err);
    }
  }

  private open(): void {
    const file = this.file;
    const dir = path.dirname(file);
    if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Create the file 0600 ourselves: it holds private keys and SQLite would use the umask.
    if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: 'EISDIR' });
    this.opened = { dev: stat.dev, ino: stat.ino };
    this.db = new Database(file);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 10000');
      this.db.exec(SCHEMA);
      this.migrate();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        try {
          fs.chmodSync(f, 0o600);
        } catch {
          // The WAL files may not exist yet; SQLite creates them with the main file's mode.
        }
      }
      this.stmts = prepareStatements(this.db);
      this.writeTx = undefined;
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  /** SQLite's and the file system's errors become STATE_FAILED naming the file (errors.ts). */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw isStorageError(err) ? stateError(this.file, err) : err;
    }
  }

  /**
   * The file at `file` must still be the one this store has open. Deleted (`rm certloop.db`
   * under a running daemon): everything is still in the open connection, so it is written back
   * to the same path (SQLite's backup into a temporary, then rename) and reopened; the daemon goes on.
   * Replaced by another file (a restored backup, a copy from elsewhere): this process would keep
   * writing to the old one, which nobody can see, so that is reported unhealthy: restart it.
   */
  async checkHealth(): Promise<{ ok: boolean; message?: string }> {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return { ok: false, message: stateError(this.file, err).message };
    }
    if (stat && stat.dev === this.opened.dev && stat.ino === this.opened.ino) return { ok: true };
    if (stat) {
      return { ok: false, message: `state file ${this.file} was replaced by another file while certloop had it open; restart certloop to use the new file (this process would go on writing to the old one)` };
    }
    try {
      await this.restore();
    } catch (err) {
      return { ok: false, message: `state file ${this.file} was deleted while certloop had it open and could not be written again: ${stateError(this.file, err).message}` };
    }
    return { ok: true, message: `state file ${this.file} was deleted while certloop had it open; it was written again from the open connection` };
  }

  private async restore(): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const copy = `${this.file}.restore-${process.pid}`;
    fs.rmSync(copy, { force: true });
    // SQLite's online backup copies the pages as they are (what this connection sees, its own
    // writes during the copy included), so the copy has the same layout as the file it replaces.
    fs.closeSync(fs.openSync(copy, 'w', 0o600));
    await this.db.backup(copy);
    fs.chmodSync(copy, 0o600);
    // Closing the last connection folds the WAL into the deleted file and removes -wal and -shm,
    // which would otherwise be taken as the new file's.
    this.db.close();
    fs.renameSync(copy, this.file);
    this.open();
  }

  async get(name: string): Promise<CertificateRecord | undefined> {
    const row = this.guard(() => this.stmts.get.get(name));
    return row ? (JSON.parse(row.record) as CertificateRecord) : undefined;
  }

  async list(): Promise<CertificateRecord[]> {
    return this.guard(() => this.stmts.list.all()).map((r) => JSON.parse(r.record) as CertificateRecord);
  }

  async put(record: CertificateRecord): Promise<number> {
    const next = record.version + 1;
    const stored = { ...record, version: next };
    const json = JSON.stringify(stored);
    const changes = this.guard(() => this.writeRecord(stored, record.version, json));
    if (changes !== 1) throw new StateConflictError(record.name, record.version);
    record.version = next;
    return next;
  }

  async freshnessViews(): Promise<Map<string, FreshnessView>> {
    const out = new Map<string, FreshnessView>();
    this.guard(() => {
      for (const [name, view] of this.stmts.views.iterate() as IterableIterator<[string, string]>) out.set(name, JSON.parse(view) as FreshnessView);
    });
    return out;
  }

  /** The record, its summary and freshness view in one transaction (the update triggers drop the old ones first). */
  private writeRecord(stored: CertificateRecord, expected: number, json: string): number {
    this.writeTx ??= this.db.transaction((r: CertificateRecord, exp: number, text: string) => {
      const changes = exp === 0 ? this.stmts.insert.run(r.name, r.version, text).changes : this.stmts.update.run(r.version, text, r.name, exp).changes;
      if (changes === 1) {
        this.stmts.putSummary.run(r.name, JSON.stringify(summarize(r)));
        this.stmts.putView.run(r.name, JSON.stringify(freshnessView(r)));
      }
      return changes;
    });
    return this.writeTx(stored, expected, json);
  }
  private writeTx?: (r: CertificateRecord, expected: number, text: string) => number;

  /** Brings a state file written by an older certloop up to SCHEMA_VERSION, once, whoever opens it first. */
  private migrate(): void {
    if ((this.db.pragma('user_version', { simple: true }) as number) >= SCHEMA_VERSION) return;
    this.db
      .transaction(() => {
        if ((this.db.pragma('user_version', { simple: true }) as number) >= SCHEMA_VERSION) return;
        const put = this.db.prepare('INSERT OR REPLACE INTO summaries (name, summary) VALUES (?, ?)');
        const putView = this.db.prepare('INSERT OR REPLACE INTO freshness (name, view) VALUES (?, ?)');
        for (const row of this.db.prepare<[], { record: string }>('SELECT record FROM certificates').all()) {
          const r = JSON.parse(row.record) as CertificateRecord;
          put.run(r.name, JSON.stringify(summarize(r)));
          putView.run(r.name, JSON.stringify(freshnessView(r)));
        }
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })
      .immediate();
  }

  async addEvent(e: HistoryEvent): Promise<void> {
    this.guard(() => this.stmts.addEvent.run(e.certificate, e.at, e.type, e.message, e.data ? JSON.stringify(e.data) : null));
  }

  async events(certificate: string | undefined, limit: number): Promise<HistoryEvent[]> {
    const rows = this.guard(() => (certificate === undefined ? this.stmts.eventsAll.all(limit) : this.stmts.eventsFor.all(certificate, limit)));
    return rows.map((r) => ({
      certificate: r.certificate,
      at: r.at,
      type: r.type,
      message: r.message,
      data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : undefined,
    }));
  }

  async getAccount(directory: string): Promise<AccountRecord | undefined> {
    const row = this.guard(() => this.stmts.getAccount.get(directory));
    return row ? (JSON.parse(row.record) as AccountRecord) : undefined;
  }

  async putAccount(account: AccountRecord): Promise<void> {
    this.guard(() => this.stmts.putAccount.run(account.directory, JSON.stringify(account)));
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const now = Date.now();
    const expires = now + ttlMs;
    const { changes } = this.guard(() => this.stmts.takeLock.run({ name, owner, expires, now }));
    if (changes !== 1) return undefined;
    const lease: Lease = {
      name,
      owner,
      expiresAt: expires,
      renew: async (ttl) => {
        const at = Date.now() + ttl;
        const ok = this.guard(() => this.stmts.renewLock.run(at, name, owner)).changes === 1;
        if (ok) lease.expiresAt = at;
        return ok;
      },
      release: async () => {
        this.guard(() => this.stmts.releaseLock.run(name, owner));
      },
    };
    return lease;
  }

  async lockHolder(name: string): Promise<{ owner: string; expiresAt: number } | undefined> {
    const row = this.guard(() => this.stmts.lockHolder.get(name));
    return row ? { owner: row.owner, expiresAt: row.expires_at } : undefined;
  }

  async breakLock(name: string, owner: string): Promise<boolean> {
    return this.guard(() => this.stmts.releaseLock.run(name, owner)).changes === 1;
  }

  async getValue(key: string): Promise<string | undefined> {
    return this.guard(() => this.stmts.getValue.get(key))?.value;
  }

  async setValue(key: string, value: string | undefined): Promise<void> {
    this.guard(() => (value === undefined ? this.stmts.deleteValue.run(key) : this.stmts.setValue.run(key, value)));
  }

  async close(): Promise<void> {
    this.leaveAtRest();
    this.db.close();
  }

  /**
   * The last process to close the file leaves it in rollback-journal mode (WAL again on the next
   * open): a file at rest in WAL mode cannot be read without creating -wal and -shm files, so
   * read-only commands (`plan`, `forecast`) would have to copy all of it first (0.5 s and 640 MB
   * of writes for 100,000 certificates). While another process has it open the switch fails at
   * once (no busy wait) and the file stays in WAL mode, which that process's close handles.
   */
  private leaveAtRest(): void {
    try {
      this.db.pragma('busy_timeout = 0');
      this.db.pragma('journal_mode = DELETE');
    } catch {
      // Another connection is open (SQLITE_BUSY): it is not at rest yet.
    }
  }
}

interface EventRow {
  certificate: string;
  at: string;
  type: string;
  message: string;
  data: string | null;
}

/**
 * Read-only access to the SQLite state for commands that must have no side effects (`plan`,
 * `forecast`): the file is opened read-only and never created; a missing file reads as empty.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CertificateRecord } from './record.js';
import { summarize, type RecordSummary } from './summary.js';

/**
 * Above this size the file is copied to a temporary file instead of into memory: a state file of
 * 100,000 certificates is ~400 MB, and SQLite's in-memory database would hold it twice (the read
 * buffer and its own copy). The copy costs ~0.2 s per 400 MB here and no resident memory.
 */
const IN_MEMORY_MAX_BYTES = 64 * 1024 * 1024;

export class ReadOnlyState {
  private readonly db?: Database.Database;
  private readonly tempCopy?: string;

  constructor(readonly file: string) {
    if (!fs.existsSync(file)) return;
    // A file at rest is in rollback-journal mode (sqlite.ts leaves it so): read it in place. A
    // read-only connection to a WAL database still creates the -wal and -shm files when they are
    // missing. With one present (a writer is active) open it read-only; its companions already
    // exist. With none (a file left by an older certloop) the main file holds everything: read
    // it from a copy whose header says "rollback journal".
    if (fs.existsSync(`${file}-wal`) || !inWalMode(file)) this.db = new Database(file, { readonly: true, fileMustExist: true });
    else if (fs.statSync(file).size <= IN_MEMORY_MAX_BYTES) this.db = new Database(inMemoryCopy(file));
    else {
      this.tempCopy = rollbackModeCopy(file);
      this.db = new Database(this.tempCopy, { readonly: true, fileMustExist: true });
    }
  }

  get(name: string): CertificateRecord | undefined {
    const row = this.db?.prepare<[string], { record: string }>('SELECT record FROM certificates WHERE name = ?').get(name);
    return row ? (JSON.parse(row.record) as CertificateRecord) : undefined;
  }

  /**
   * What `decide` needs of each named certificate, from the summaries table when the store wrote
   * one (sqlite.ts); a record without a current summary (an older state file, a hand edit) is
   * summarized here from the full record. Summaries stay JSON text until asked for: 100,000 of
   * them are ~40 MB as text and ~3 times that as objects.
   */
  summaries(names: string[]): SummaryLookup {
    const out = new LazySummaries(names);
    if (!this.db) return out;
    const hasTable = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'summaries'").get() !== undefined;
    if (hasTable) {
      // Many names: one pass over the (small) summaries table beats a lookup per name.
      if (names.length > 200) {
        // Rows as arrays: no object per row.
        for (const [name, summary] of this.db.prepare<[], [string, string]>('SELECT name, summary FROM summaries').raw().iterate() as IterableIterator<[string, string]>) out.offer(name, summary);
      } else {
        const one = this.db.prepare<[string], { summary: string }>('SELECT summary FROM summaries WHERE name = ?');
        for (const n of names) {
          const row = one.get(n);
          if (row) out.offer(n, row.summary);
        }
      }
    }
    for (const n of out.missing()) {
      const record = this.get(n);
      if (record) out.offer(n, summarize(record));
    }
    return out;
  }

  close(): void {
    this.db?.close();
    if (this.tempCopy) fs.rmSync(path.dirname(this.tempCopy), { recursive: true, force: true });
  }
}

/** Summaries by certificate name; undefined for a certificate with no record. */
export interface SummaryLookup {
  get(name: string): RecordSummary | undefined;
}

class LazySummaries implements SummaryLookup {
  private readonly wanted: Set<string>;
  private readonly byName = new Map<string, string | RecordSummary>();

  constructor(private readonly names: string[]) {
    this.wanted = new Set(names);
  }

  /** Keeps the summary of a wanted name (JSON text, parsed on first get). */
  offer(name: string, summary: string | RecordSummary): void {
    if (this.wanted.has(name)) this.byName.set(name, summary);
  }

  missing(): string[] {
    return this.names.filter((n) => !this.byName.has(n));
  }

  get(name: string): RecordSummary | undefined {
    const v = this.byName.get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return v;
    // Parsed each time it is asked for, not kept: plan asks once per certificate.
    return JSON.parse(v) as RecordSummary;
  }
}

/** File format bytes 18-19 (write and read version): 2 is WAL, 1 the rollback journal. */
function inWalMode(file: string): boolean {
  const header = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    return fs.readSync(fd, header, 0, 2, 18) === 2 && header[0] === 2 && header[1] === 2;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The database file as a buffer SQLite can open in memory: the header's WAL marker (file format
 * bytes 18-19 = 2, https://www.sqlite.org/fileformat2.html#database_header) is set back to the
 * rollback journal (1), which an in-memory database needs; the pages are unchanged.
 */
function inMemoryCopy(file: string): Buffer {
  const buf = fs.readFileSync(file);
  if (buf.length >= 20 && buf[18] === 2 && buf[19] === 2) {
    buf[18] = 1;
    buf[19] = 1;
  }
  return buf;
}

/** The same change on a private temporary copy (0600 in a 0700 folder: the file holds keys). */
function rollbackModeCopy(file: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certloop-read-'));
  const copy = path.join(dir, 'state.db');
  try {
    fs.copyFileSync(file, copy);
    fs.chmodSync(copy, 0o600);
    const fd = fs.openSync(copy, 'r+');
    try {
      const header = Buffer.alloc(2);
      fs.readSync(fd, header, 0, 2, 18);
      if (header[0] === 2 && header[1] === 2) fs.writeSync(fd, Buffer.from([1, 1]), 0, 2, 18);
    } finally {
      fs.closeSync(fd);
    }
    return copy;
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Read-only access to the SQLite state for commands that must have no side effects (`plan`,
 * `forecast`): the file is opened read-only and never created; a missing file reads as empty.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { CertificateRecord } from './record.js';

export class ReadOnlyState {
  private readonly db?: Database.Database;

  constructor(readonly file: string) {
    if (!fs.existsSync(file)) return;
    // A read-only connection to a WAL database still creates the -wal and -shm files when they
    // are missing. With no WAL present the main file holds everything: read it into memory. With
    // one present (a writer is active) open it read-only; its companions already exist.
    this.db = fs.existsSync(`${file}-wal`) ? new Database(file, { readonly: true, fileMustExist: true }) : new Database(inMemoryCopy(file));
  }

  get(name: string): CertificateRecord | undefined {
    const row = this.db?.prepare<[string], { record: string }>('SELECT record FROM certificates WHERE name = ?').get(name);
    return row ? (JSON.parse(row.record) as CertificateRecord) : undefined;
  }

  close(): void {
    this.db?.close();
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

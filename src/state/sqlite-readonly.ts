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
    if (fs.existsSync(file)) this.db = new Database(file, { readonly: true, fileMustExist: true });
  }

  get(name: string): CertificateRecord | undefined {
    const row = this.db?.prepare<[string], { record: string }>('SELECT record FROM certificates WHERE name = ?').get(name);
    return row ? (JSON.parse(row.record) as CertificateRecord) : undefined;
  }

  close(): void {
    this.db?.close();
  }
}

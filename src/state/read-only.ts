/**
 * Records for commands with no side effects (`plan`, `forecast`), from whichever store the config
 * names: SQLite is read without creating or touching any file (sqlite-readonly.ts); Azure Blob
 * reads are side-effect free by nature.
 */
import { sqlitePath, type StateConfig } from './config.js';
import { isStorageError, stateError } from './errors.js';
import { openStore } from './open.js';
import type { CertificateRecord } from './record.js';
import { ReadOnlyState, type SummaryLookup } from './sqlite-readonly.js';

export async function readRecords(state: StateConfig, names: string[]): Promise<Map<string, CertificateRecord | undefined>> {
  const path = sqlitePath(state);
  if (path !== undefined) {
    return readingState(path, () => {
      const db = new ReadOnlyState(path);
      try {
        return new Map(names.map((n) => [n, db.get(n)]));
      } finally {
        db.close();
      }
    });
  }
  const store = openStore(state);
  try {
    return new Map(await Promise.all(names.map(async (n) => [n, await store.get(n)] as const)));
  } finally {
    await store.close();
  }
}

/**
 * What `decide` needs of each certificate (summary.ts), for `plan`: SQLite reads its small
 * summaries table instead of every full record; other stores return their records, which are
 * summaries too.
 */
export async function readSummaries(state: StateConfig, names: string[]): Promise<SummaryLookup> {
  const path = sqlitePath(state);
  if (path === undefined) return readRecords(state, names);
  return readingState(path, () => {
    const db = new ReadOnlyState(path);
    try {
      return db.summaries(names);
    } finally {
      db.close();
    }
  });
}

/** A damaged, unreadable or folder `state:` is STATE_FAILED naming the file, as for the writing store. */
function readingState<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw isStorageError(err) ? stateError(file, err) : err;
  }
}

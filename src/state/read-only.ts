/**
 * Records for commands with no side effects (`plan`, `forecast`), from whichever store the config
 * names: SQLite is read without creating or touching any file (sqlite-readonly.ts); Azure Blob
 * reads are side-effect free by nature.
 */
import type { StateConfig } from './config.js';
import { openStore } from './open.js';
import type { CertificateRecord } from './record.js';
import { ReadOnlyState, type SummaryLookup } from './sqlite-readonly.js';

export async function readRecords(state: StateConfig, names: string[]): Promise<Map<string, CertificateRecord | undefined>> {
  const path = typeof state === 'string' ? state : state.type === 'sqlite' ? state.path : undefined;
  if (path !== undefined) {
    const db = new ReadOnlyState(path);
    try {
      return new Map(names.map((n) => [n, db.get(n)]));
    } finally {
      db.close();
    }
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
  const path = typeof state === 'string' ? state : state.type === 'sqlite' ? state.path : undefined;
  if (path === undefined) return readRecords(state, names);
  const db = new ReadOnlyState(path);
  try {
    return db.summaries(names);
  } finally {
    db.close();
  }
}

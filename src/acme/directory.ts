/**
 * The CA's ACME directory (RFC 8555 §7.1.1) as read by the plain GETs (renewalInfo, RFC 9773),
 * kept by the run that reads it, for at most `ttlMs`: a CA may add an endpoint at any time (a
 * CA that starts offering renewalInfo), and a long run or a daemon must notice. An unreadable
 * directory is never kept. The clock is the run's.
 */
import { getJson, type GetResult } from './http-get.js';

const HOUR = 3_600_000;

/** How long a directory read stands: one GET an hour per CA costs nothing, and ARI is noticed within the hour. */
export const DIRECTORY_TTL_MS = HOUR;

export type Directory = Record<string, unknown>;

export interface DirectoryCacheOptions {
  now: () => Date;
  ttlMs?: number;
  /** How to GET (the ACME trust and deadline by default). */
  get?: (url: string) => Promise<GetResult>;
}

export class DirectoryCache {
  private readonly entries = new Map<string, { directory: Promise<Directory>; until: number }>();
  private readonly now: () => Date;
  private readonly ttlMs: number;
  private readonly get: (url: string) => Promise<GetResult>;

  constructor(opts: DirectoryCacheOptions) {
    this.now = opts.now;
    this.ttlMs = opts.ttlMs ?? DIRECTORY_TTL_MS;
    this.get = opts.get ?? ((url) => getJson(url));
  }

  /** The directory at `url`: the one read within the last `ttlMs`, else read now (requests in flight are shared). */
  read(url: string): Promise<Directory> {
    const at = this.now().getTime();
    const kept = this.entries.get(url);
    if (kept && at < kept.until) return kept.directory;
    const directory = this.get(url).then((res) => {
      if (res.status !== 200 || typeof res.json !== 'object' || res.json === null) throw new Error(`the ACME directory answered HTTP ${res.status}`);
      return res.json as Directory;
    });
    const entry = { directory, until: at + this.ttlMs };
    this.entries.set(url, entry);
    directory.catch(() => {
      if (this.entries.get(url) === entry) this.entries.delete(url);
    });
    return directory;
  }
}

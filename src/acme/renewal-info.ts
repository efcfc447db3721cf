/**
 * ACME Renewal Information over HTTP (RFC 9773): whether a CA offers it, and its answer for one
 * certificate. Unauthenticated GETs with the ACME client's trust and deadline (http-get.ts); what
 * an answer means is policy/ari.ts. One client per run, holding the run's clock, its randomness
 * (for picking a moment inside a window) and its directory reads (directory.ts: they expire).
 */
import { readRenewalInfo, type RenewalInfoResult } from '../policy/ari.js';
import { DirectoryCache } from './directory.js';
import { getJson, type GetResult } from './http-get.js';

export interface RenewalInfoClientOptions {
  now: () => Date;
  /** Uniform in [0, 1): where inside a window the renewal goes (RFC 9773 §4.2). */
  random: () => number;
  directories?: DirectoryCache;
  get?: (url: string) => Promise<GetResult>;
}

export class RenewalInfoClient {
  readonly now: () => Date;
  readonly random: () => number;
  private readonly directories: DirectoryCache;
  private readonly get: (url: string) => Promise<GetResult>;

  constructor(opts: RenewalInfoClientOptions) {
    this.now = opts.now;
    this.random = opts.random;
    this.get = opts.get ?? ((url) => getJson(url));
    this.directories = opts.directories ?? new DirectoryCache({ now: opts.now, get: this.get });
  }

  /** Whether the CA's directory names renewalInfo; undefined when it cannot be read now. */
  async offered(directoryUrl: string): Promise<boolean | undefined> {
    try {
      return typeof (await this.directories.read(directoryUrl)).renewalInfo === 'string';
    } catch {
      return undefined;
    }
  }

  /** GET renewalInfo/{certID} (RFC 9773 §4.2); never throws. */
  async fetch(directoryUrl: string, certId: string): Promise<RenewalInfoResult> {
    let base: unknown;
    try {
      base = (await this.directories.read(directoryUrl)).renewalInfo;
    } catch (err) {
      return { kind: 'error', message: `cannot read the ACME directory: ${describe(err)}` };
    }
    if (typeof base !== 'string') return { kind: 'unsupported' };
    try {
      const res = await this.get(`${base.replace(/\/$/, '')}/${certId}`);
      return readRenewalInfo(res.status, res.json, res.headers['retry-after'], this.now().getTime());
    } catch (err) {
      return { kind: 'error', message: `cannot fetch renewalInfo: ${describe(err)}` };
    }
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}

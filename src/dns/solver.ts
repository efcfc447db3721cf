/**
 * The dns-01 solver every DNS provider shares. A provider only knows how to add and remove one
 * TXT value; this turns a challenge into that value, adds it, and waits until every authoritative
 * server of the zone answers it before present() returns (the CA is asked to validate right
 * after). Cleanup removes only the value it added, so other values on the name survive.
 */
import { CertloopError, describeError } from '../errors.js';
import { findZone, authoritativeServers, systemResolvers } from './authoritative.js';
import { challengeRecordName, challengeRecordValue } from './challenge.js';
import { parseServer, type DnsServer } from './client.js';
import { waitForTxt } from './propagation.js';

// src/dns is a library below the plugin contract (src/plugins.ts) and the config contract
// (./schema.ts): the solver states the little it needs of each, and each provider's create()
// returning it as a Solver checks that the shapes still match.

/** What dns-01 needs of a challenge (a ChallengeTask, src/plugins.ts). */
export interface DnsChallenge {
  /** The identifier being validated, without any "*." prefix. */
  identifier: string;
  /** "TOKEN.THUMBPRINT"; dns-01 publishes its SHA-256 (RFC 8555 §8.4). */
  keyAuthorization: string;
}

/** The settings every dns-01 provider shares, parsed (Dns01CommonFields in ./schema.ts). */
export interface Dns01CommonConfig {
  nameservers?: string[];
  resolvers?: string[];
  propagationTimeout: number;
}

export interface TxtRecord {
  /** `_acme-challenge.<identifier>`, lower case, no trailing dot. */
  name: string;
  /** base64url(SHA-256(key authorization)). */
  value: string;
  /** The identifier being validated, without "*.". */
  identifier: string;
}

/** What a DNS provider implements: add and remove one TXT value, leaving other values alone. */
export interface TxtRecordProvider {
  /** The provider name used in messages ("rfc2136"). */
  readonly name: string;
  /** The zone that holds `recordName`, when the provider knows it (configured or asked). */
  zoneFor?(recordName: string): Promise<string>;
  /** Idempotent: adding a value that is already there is not an error. */
  add(record: TxtRecord): Promise<void>;
  /** Idempotent: removing a value that is not there is not an error. */
  remove(record: TxtRecord): Promise<void>;
}

/** A provider failure; `retryable: false` for problems only a person can fix (a wrong secret). */
export class DnsProviderError extends Error {
  readonly retryable: boolean;
  constructor(message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DnsProviderError';
    this.retryable = opts.retryable ?? true;
  }
}

const LOOKUP_TIMEOUT_MS = 5000;

export function txtRecordFor(task: DnsChallenge): TxtRecord {
  return { name: challengeRecordName(task.identifier), value: challengeRecordValue(task.keyAuthorization), identifier: task.identifier };
}

export class Dns01Solver {
  readonly challengeType = 'dns-01' as const;
  /** Authoritative servers per zone, looked up once per solver (one order). */
  private readonly servers = new Map<string, Promise<DnsServer[]>>();

  constructor(
    readonly provider: TxtRecordProvider,
    private readonly settings: Dns01CommonConfig,
    private readonly certificate?: string,
  ) {}

  async present(task: DnsChallenge): Promise<void> {
    const record = txtRecordFor(task);
    try {
      await this.provider.add(record);
    } catch (err) {
      throw this.fail(`cannot add TXT ${record.name}`, err);
    }
    let servers: DnsServer[];
    try {
      servers = await this.authoritativeServersFor(record.name);
    } catch (err) {
      throw this.fail(`cannot find the authoritative servers for ${record.name}`, err);
    }
    try {
      await waitForTxt({ name: record.name, value: record.value, servers, want: 'present', timeoutMs: this.settings.propagationTimeout });
    } catch (err) {
      throw this.fail('the record did not propagate', err);
    }
  }

  async cleanup(task: DnsChallenge): Promise<void> {
    const record = txtRecordFor(task);
    try {
      await this.provider.remove(record);
    } catch (err) {
      throw this.fail(`cannot remove TXT ${record.name}`, err);
    }
  }

  /** The configured nameservers, or the NS of the zone holding `name`. */
  authoritativeServersFor(name: string): Promise<DnsServer[]> {
    if (this.settings.nameservers) return Promise.resolve(this.settings.nameservers.map((s) => parseServer(s)));
    const resolvers = this.settings.resolvers?.map((s) => parseServer(s)) ?? systemResolvers();
    return (async () => {
      const zone = this.provider.zoneFor
        ? await this.provider.zoneFor(name)
        : await findZone(name, resolvers, { recursion: true, timeoutMs: LOOKUP_TIMEOUT_MS });
      let servers = this.servers.get(zone);
      if (!servers) {
        servers = authoritativeServers(zone, { resolvers, timeoutMs: LOOKUP_TIMEOUT_MS });
        servers.catch(() => this.servers.delete(zone));
        this.servers.set(zone, servers);
      }
      return servers;
    })();
  }

  private fail(what: string, err: unknown): CertloopError {
    return new CertloopError('CHALLENGE_FAILED', `dns-01 ${this.provider.name}: ${what}: ${describeError(err)}`, {
      certificate: this.certificate,
      step: 'issue',
      cause: err,
      retryable: err instanceof DnsProviderError ? err.retryable : true,
    });
  }
}

/**
 * rfc2136: adds and removes the challenge TXT value with RFC 2136 dynamic updates, each signed
 * with the configured TSIG key. Values are added and deleted one by one (never the whole record
 * set), so a wildcard and its apex, or other certificates renewing at once, do not clash.
 */
import { findZone } from '../../../src/dns/authoritative.js';
import { parseServer, type DnsServer } from '../../../src/dns/client.js';
import { tsigKey, type TsigKey } from './tsig.js';
import { DnsUpdateError, sendUpdate, type TxtChange } from './update.js';
import { relativeName } from '../../../src/dns/challenge.js';
import { Dns01Solver, DnsProviderError, type TxtRecord, type TxtRecordProvider } from '../../../src/dns/solver.js';
import type { SolverFactory } from '../../../src/plugins.js';
import type { Rfc2136Config } from './schema.js';

/** Answers that will not change by retrying: the configuration (key, policy, zone) is wrong. */
const PERMANENT_RCODES = new Set(['NOTAUTH', 'REFUSED', 'NOTZONE', 'NOTIMP', 'FORMERR']);

export class Rfc2136Provider implements TxtRecordProvider {
  readonly name = 'rfc2136';
  private readonly server: DnsServer;
  private readonly key?: TsigKey;
  private readonly zones = new Map<string, Promise<string>>();

  constructor(private readonly config: Rfc2136Config) {
    this.server = parseServer(config.server);
    if (config.tsig) this.key = tsigKey(config.tsig);
  }

  /** The configured zone, or the one the primary server says holds the name. */
  zoneFor(recordName: string): Promise<string> {
    if (this.config.zone) return Promise.resolve(this.config.zone);
    let zone = this.zones.get(recordName);
    if (!zone) {
      zone = findZone(recordName, [this.server], { recursion: false, timeoutMs: this.config.timeout });
      zone.catch(() => this.zones.delete(recordName));
      this.zones.set(recordName, zone);
    }
    return zone;
  }

  add(record: TxtRecord): Promise<void> {
    return this.update(record, 'add');
  }

  remove(record: TxtRecord): Promise<void> {
    return this.update(record, 'delete');
  }

  private async update(record: TxtRecord, op: TxtChange['op']): Promise<void> {
    const zone = await this.zoneFor(record.name);
    if (relativeName(record.name, zone) === undefined) {
      throw new DnsProviderError(`${record.name} is not inside zone ${zone} (check zone)`, { retryable: false });
    }
    try {
      await sendUpdate({
        server: this.server,
        zone,
        key: this.key,
        timeoutMs: this.config.timeout,
        changes: [{ op, name: record.name, value: record.value, ttl: this.config.ttl }],
      });
    } catch (err) {
      const keyNote = this.key ? ` with TSIG key "${this.key.name}" (${this.key.algorithm})` : ' unsigned';
      if (err instanceof DnsUpdateError) {
        const permanent = err.tsigError !== undefined || (err.rcode !== undefined && PERMANENT_RCODES.has(err.rcode));
        throw new DnsProviderError(`update of zone ${zone}${keyNote}: ${err.message}`, { retryable: !permanent, cause: err });
      }
      throw new DnsProviderError(`update of zone ${zone} at ${this.config.server}: ${(err as Error).message}`, { cause: err });
    }
  }
}

export const create: SolverFactory<Rfc2136Config> = (config, certificate) => new Dns01Solver(new Rfc2136Provider(config), config, certificate);

/**
 * The `axfr` watch source: the zone as its authoritative server holds it, by zone transfer, so a
 * name someone added by hand, by another tool or years ago is seen without anyone listing it.
 * Names below a delegation (glue) are not the zone's own and are passed over.
 */
import { formatServer, parseServer } from '../../../src/dns/client.js';
import type { DiscoveredEndpoint, WatchSource, WatchSourceFactory } from '../../../src/plugins.js';
import { tsigKey } from '../../challenges/rfc2136/tsig.js';
import { recordsText, zoneEndpoints, type NamedRecord } from '../../../src/dns/zone-names.js';
import { CertloopError } from '../../../src/errors.js';
import type { AxfrSourceConfig } from './schema.js';
import { transferZone, ZoneTransferError } from './transfer.js';

function sourceFailed(source: string, message: string, opts: { retryable: boolean; cause?: unknown }): CertloopError {
  return new CertloopError('SOURCE_FAILED', `watch source ${source}: ${message}`, opts);
}

export const create: WatchSourceFactory<AxfrSourceConfig> = (config) => createAxfrSource(config);

export function createAxfrSource(config: AxfrSourceConfig): WatchSource {
  const server = parseServer(config.server);
  const key = config.tsig ? tsigKey(config.tsig) : undefined;
  const where = formatServer(server);
  const description = `axfr zone ${config.zone} from ${where}`;
  const id = `axfr:${config.zone}@${where}`;
  return {
    id,
    describe: () => `zone ${config.zone} by zone transfer from ${where}${key ? ` (TSIG key "${key.name}")` : ' (unsigned)'}`,
    async list({ signal, log }): Promise<DiscoveredEndpoint[]> {
      const started = Date.now();
      let records;
      try {
        records = await transferZone({ server, zone: config.zone, key, timeoutMs: config.timeout, signal });
      } catch (err) {
        if (err instanceof ZoneTransferError) throw sourceFailed(description, err.message, { retryable: err.retryable });
        throw sourceFailed(description, (err as Error).message, { retryable: true, cause: err });
      }
      const endpoints = zoneEndpoints(ownData(records, config.zone), config.zone, config.ports, (name, types) => `${description}, ${recordsText(name, types)}`);
      log.debug({ source: id, records: records.length, endpoints: endpoints.length, ms: Date.now() - started }, 'zone transferred');
      return endpoints;
    },
  } satisfies WatchSource;
}

/**
 * The records that are the zone's own data: a name at or below a delegation point (an NS record
 * set other than the apex's) belongs to the child zone; its addresses here are glue (RFC 1034
 * §4.2.1), not names this zone serves.
 */
function ownData(records: NamedRecord[], zone: string): NamedRecord[] {
  const bare = (n: string) => n.toLowerCase().replace(/\.$/, '');
  const cuts = records.filter((r) => r.type === 'NS' && bare(r.name) !== zone).map((r) => bare(r.name));
  if (cuts.length === 0) return records;
  return records.filter((r) => {
    const name = bare(r.name);
    return !cuts.some((cut) => name === cut || name.endsWith(`.${cut}`));
  });
}

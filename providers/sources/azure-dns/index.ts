/**
 * The `azure-dns` watch source: every A, AAAA and CNAME record set of an Azure DNS zone, listed
 * through Azure Resource Manager a page at a time (100 record sets per page), under one deadline
 * for the sign-in and every page. Reading needs only the "DNS Zone Reader" role.
 */
import type { DnsManagementClient } from '@azure/arm-dns';
import type { DiscoveredEndpoint, WatchSource, WatchSourceFactory } from '../../../src/plugins.js';
import { formatDuration } from '../../../src/util/duration.js';
import { abortable } from '../../../src/util/timers.js';
import { armErrorFacts, createArmDnsClient, statusText } from '../../challenges/azure-dns/client.js';
import { recordsText, zoneEndpoints, type NamedRecord } from '../../../src/dns/zone-names.js';
import { CertloopError } from '../../../src/errors.js';
import type { AzureDnsSourceConfig } from './schema.js';

function sourceFailed(source: string, message: string, opts: { retryable: boolean; cause?: unknown }): CertloopError {
  return new CertloopError('SOURCE_FAILED', `watch source ${source}: ${message}`, opts);
}

export const create: WatchSourceFactory<AzureDnsSourceConfig> = (config) => createAzureDnsSource(config);

export function createAzureDnsSource(config: AzureDnsSourceConfig): WatchSource {
  const { subscriptionId, resourceGroup, zone } = config;
  const description = `azure-dns zone ${zone}`;
  const id = `azure-dns:${subscriptionId}/${resourceGroup}/${zone}`;
  let client: Promise<DnsManagementClient> | undefined;

  const explain = (err: unknown) => {
    const facts = armErrorFacts(err, config.credential);
    if (facts.status === 401 || facts.status === 403) {
      return sourceFailed(description, `Azure denied reading the zone (${statusText(facts)}: ${facts.detail}); the identity needs the "DNS Zone Reader" role on it`, { retryable: false });
    }
    if (facts.status === 404) {
      return sourceFailed(description, `the zone was not found in resource group ${resourceGroup} of subscription ${subscriptionId} (${statusText(facts)})`, { retryable: false });
    }
    if (facts.signIn) return sourceFailed(description, facts.signIn.message, { retryable: facts.signIn.retryable });
    return sourceFailed(description, `listing the record sets failed${facts.status ? ` (${statusText(facts)})` : ''}: ${facts.detail}`, { retryable: true });
  };

  return {
    id,
    describe: () => `Azure DNS zone ${zone} (resource group ${resourceGroup}, subscription ${subscriptionId})`,
    async list({ signal, log }): Promise<DiscoveredEndpoint[]> {
      const started = Date.now();
      // One deadline for the sign-in and every page; the sign-in does not always honour the
      // signal, hence the race as well (issue 16: an ARM endpoint that never answered).
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(config.timeout)]);
      const records: NamedRecord[] = [];
      try {
        await abortable(
          (async () => {
            client ??= createArmDnsClient(config);
            const dns = await client.catch((err: unknown) => {
              client = undefined;
              throw err;
            });
            for await (const rs of dns.recordSets.listByDnsZone(resourceGroup, zone, { abortSignal: deadline })) {
              const type = rs.type?.split('/').pop()?.toUpperCase() ?? '';
              const name = rs.fqdn ?? (rs.name === '@' ? zone : `${rs.name}.${zone}`);
              records.push({ name, type });
            }
          })(),
          deadline,
        );
      } catch (err) {
        if (deadline.aborted && !signal.aborted) {
          throw sourceFailed(description, `Azure did not list the record sets within ${formatDuration(config.timeout)} (timeout; ${records.length} read so far)`, { retryable: true });
        }
        if (signal.aborted) throw sourceFailed(description, 'listing was cancelled', { retryable: true });
        throw explain(err);
      }
      const endpoints = zoneEndpoints(records, zone, config.ports, (name, types) => `${description}, ${recordsText(name, types)}`);
      log.debug({ source: id, recordSets: records.length, endpoints: endpoints.length, ms: Date.now() - started }, 'zone listed');
      return endpoints;
    },
  } satisfies WatchSource;
}

/**
 * azure-dns: adds the challenge value to the zone's TXT record set through Azure Resource Manager
 * and removes only that value on cleanup. ARM replaces a record set as a whole on PUT, so every
 * change is read → modify → write with the record set's etag (If-Match; If-None-Match: * when
 * creating): a concurrent writer makes the write fail with 412 and the change is redone on fresh
 * data instead of overwriting someone else's value. Changes to one record set from this process
 * are also queued, so a wildcard and its apex do not race each other.
 */
import type { DnsManagementClient, RecordSet, TxtRecord as AzureTxtRecord } from '@azure/arm-dns';
import { relativeName } from '../../../src/dns/challenge.js';
import { formatDuration } from '../../../src/util/duration.js';
import { abortable } from '../../../src/util/timers.js';
import { Dns01Solver, DnsProviderError, type TxtRecord, type TxtRecordProvider } from '../../../src/dns/solver.js';
import type { SolverFactory } from '../../../src/plugins.js';
import { armErrorFacts, createArmDnsClient, statusText } from './client.js';
import type { AzureDnsConfig } from './schema.js';

/** Conflicting writers rarely collide more than once or twice; give up loudly after this. */
const MAX_ATTEMPTS = 6;

/** Per record set, the tail of the queue of changes made from this process. */
const queues = new Map<string, Promise<void>>();

function enqueue(key: string, work: () => Promise<void>): Promise<void> {
  const run = (queues.get(key) ?? Promise.resolve()).then(work, work);
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function joined(r: AzureTxtRecord): string {
  return (r.value ?? []).join('');
}

export class AzureDnsProvider implements TxtRecordProvider {
  readonly name = 'azure-dns';
  private client?: Promise<DnsManagementClient>;

  constructor(private readonly config: AzureDnsConfig) {}

  zoneFor(): Promise<string> {
    return Promise.resolve(this.config.zone);
  }

  add(record: TxtRecord): Promise<void> {
    return this.change(record, 'add');
  }

  remove(record: TxtRecord): Promise<void> {
    return this.change(record, 'remove');
  }

  private dnsClient(): Promise<DnsManagementClient> {
    this.client ??= createArmDnsClient(this.config);
    return this.client;
  }

  private change(record: TxtRecord, op: 'add' | 'remove'): Promise<void> {
    const { zone, resourceGroup, subscriptionId } = this.config;
    const name = relativeName(record.name, zone);
    if (name === undefined) {
      return Promise.reject(new DnsProviderError(`${record.name} is not inside zone ${zone} (check zone)`, { retryable: false }));
    }
    return enqueue(`${subscriptionId}/${resourceGroup}/${zone}/${name}`, async () => {
      const client = await this.dnsClient().catch((err: unknown) => {
        this.client = undefined;
        throw this.explain(err);
      });
      // One deadline for the whole change, sign-in and conflict retries included (issue 16: an
      // ARM endpoint that never answered held the order for ever). The sign-in does not always
      // honour the signal, hence the race as well.
      const abortSignal = AbortSignal.timeout(this.config.timeout);
      for (let attempt = 1; ; attempt++) {
        try {
          await abortable(this.applyOnce(client, name, record.value, op, abortSignal), abortSignal);
          return;
        } catch (err) {
          if (abortSignal.aborted) {
            throw new DnsProviderError(`Azure DNS did not finish the change of ${name} in zone ${zone} within ${formatDuration(this.config.timeout)} (timeout)`);
          }
          if (statusOf(err) === 412 && attempt < MAX_ATTEMPTS) continue;
          throw this.explain(err);
        }
      }
    });
  }

  /** One read → modify → conditional write. A 412 means someone changed the set in between. */
  private async applyOnce(client: DnsManagementClient, name: string, value: string, op: 'add' | 'remove', abortSignal: AbortSignal): Promise<void> {
    const { resourceGroup, zone } = this.config;
    let existing: RecordSet | undefined;
    try {
      existing = await client.recordSets.get(resourceGroup, zone, name, 'TXT', { abortSignal });
    } catch (err) {
      if (statusOf(err) !== 404 || (err as { code?: string }).code === 'ParentResourceNotFound') throw err;
    }
    const records = existing?.txtRecords ?? [];
    const present = records.some((r) => joined(r) === value);

    if (op === 'add') {
      if (present) return;
      if (!existing) {
        await client.recordSets.createOrUpdate(resourceGroup, zone, name, 'TXT', { ttl: this.config.ttl, txtRecords: [{ value: [value] }] }, { ifNoneMatch: '*', abortSignal });
      } else {
        await client.recordSets.createOrUpdate(
          resourceGroup,
          zone,
          name,
          'TXT',
          { ttl: existing.ttl ?? this.config.ttl, metadata: existing.metadata, txtRecords: [...records, { value: [value] }] },
          { ifMatch: existing.etag, abortSignal },
        );
      }
      return;
    }

    if (!existing || !present) return;
    const remaining = records.filter((r) => joined(r) !== value);
    if (remaining.length === 0) {
      await client.recordSets.delete(resourceGroup, zone, name, 'TXT', { ifMatch: existing.etag, abortSignal });
    } else {
      await client.recordSets.createOrUpdate(
        resourceGroup,
        zone,
        name,
        'TXT',
        { ttl: existing.ttl, metadata: existing.metadata, txtRecords: remaining },
        { ifMatch: existing.etag, abortSignal },
      );
    }
  }

  /**
   * Turns an SDK or sign-in error into one sentence an operator can act on, without secrets. The SDK
   * error is not kept as the cause: it holds the request, Authorization header included.
   */
  private explain(err: unknown): DnsProviderError {
    const { zone, resourceGroup, subscriptionId, credential } = this.config;
    const facts = armErrorFacts(err, credential);
    const { status, detail } = facts;
    if (status === 401 || status === 403) {
      return new DnsProviderError(
        `Azure denied access to zone ${zone} (${statusText(facts)}: ${detail}); the identity needs the "DNS Zone Contributor" role on the zone`,
        { retryable: false },
      );
    }
    if (status === 404) {
      return new DnsProviderError(`zone ${zone} was not found in resource group ${resourceGroup} of subscription ${subscriptionId} (${statusText(facts)})`, { retryable: false });
    }
    if (status === 412) {
      return new DnsProviderError(`the TXT record set kept changing under certloop (${MAX_ATTEMPTS} conflicting writes); try again`);
    }
    if (facts.signIn) return new DnsProviderError(facts.signIn.message, { retryable: facts.signIn.retryable });
    return new DnsProviderError(`Azure DNS request failed${status ? ` (${statusText(facts)})` : ''}: ${detail}`);
  }
}

export const create: SolverFactory<AzureDnsConfig> = (config, certificate) => new Dns01Solver(new AzureDnsProvider(config), config, certificate);

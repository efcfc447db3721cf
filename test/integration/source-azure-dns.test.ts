/**
 * The `azure-dns` watch source with the real @azure/arm-dns and @azure/identity SDKs against the
 * local ARM DNS imitation (test/support/azure-dns.ts): which record sets become endpoints, paging,
 * and the failures an operator meets (wrong secret, wrong zone, an endpoint that never answers).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import { AzureDnsSourceConfig } from '../../providers/sources/azure-dns/schema.js';
import { createAzureDnsSource } from '../../providers/sources/azure-dns/index.js';
import { startFakeAzureDns, type FakeAzureDns } from '../support/azure-dns.js';
import { tempDir } from '../support/lab.js';
import { sourceFailure as failure } from '../support/source-failure.js';

const ZONE = 'fleet.test';
const EMPTY = 'empty.test';
const log = createLogger({ level: 'silent' });

describe('azure-dns watch source (ARM imitation, real SDK)', () => {
  let azure: FakeAzureDns;
  const source = (fields: Record<string, unknown> = {}) =>
    createAzureDnsSource(
      AzureDnsSourceConfig.parse({
        type: 'azure-dns',
        subscriptionId: azure.subscriptionId,
        resourceGroup: azure.resourceGroup,
        zone: ZONE,
        credential: { type: 'client-secret', tenantId: azure.tenantId, clientId: azure.clientId, clientSecret: azure.clientSecret, authorityHost: azure.url },
        endpoint: azure.url,
        caBundle: azure.caFile,
        timeout: '10s',
        ...fields,
      }),
    );
  const list = (s: ReturnType<typeof source>) => s.list({ signal: new AbortController().signal, log });

  before(async () => {
    azure = await startFakeAzureDns({ dir: path.join(tempDir('source-azure-dns'), 'azure'), zones: [ZONE, EMPTY] });
    azure.setRecordSet(ZONE, 'A', '@', { ARecords: [{ ipv4Address: '192.0.2.1' }] });
    azure.setRecordSet(ZONE, 'A', 'www', { ARecords: [{ ipv4Address: '192.0.2.10' }] });
    azure.setRecordSet(ZONE, 'AAAA', 'www', { AAAARecords: [{ ipv6Address: '2001:db8::10' }] });
    azure.setRecordSet(ZONE, 'CNAME', 'api', { CNAMERecord: { cname: 'www.fleet.test' } });
    azure.setRecordSet(ZONE, 'A', '*.apps', { ARecords: [{ ipv4Address: '192.0.2.30' }] });
    azure.setRecordSet(ZONE, 'MX', '@', { MXRecords: [{ preference: 10, exchange: 'www.fleet.test' }] });
    azure.setTxt(ZONE, '_dmarc', ['v=DMARC1; p=none']);
    // Enough record sets for three pages of 100.
    for (let i = 0; i < 240; i++) azure.setRecordSet(ZONE, 'A', `node-${i}`, { ARecords: [{ ipv4Address: `10.0.0.${i}` }] });
  });

  after(async () => {
    await azure?.stop();
  });

  it('every A, AAAA and CNAME record set becomes an endpoint on each port, over every page; wildcards, MX and TXT are passed over', async () => {
    const endpoints = await list(source({ ports: [443, 8443] }));
    const hosts = new Set(endpoints.map((e) => e.host));
    assert.equal(hosts.size, 3 + 240);
    for (const h of ['fleet.test', 'www.fleet.test', 'api.fleet.test', 'node-0.fleet.test', 'node-239.fleet.test']) assert.ok(hosts.has(h), h);
    assert.ok(![...hosts].some((h) => h.includes('*') || h.startsWith('_dmarc')));
    assert.equal(endpoints.length, 2 * hosts.size);
    const www = endpoints.filter((e) => e.host === 'www.fleet.test');
    assert.deepEqual(www.map((e) => e.port), [443, 8443]);
    assert.equal(www[0].origin, 'azure-dns zone fleet.test, A, AAAA records www');
    assert.equal(endpoints.find((e) => e.host === 'api.fleet.test')!.origin, 'azure-dns zone fleet.test, CNAME record api');
    const pages = azure.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/recordsets'));
    assert.equal(pages.length, 3);
  });

  it('a zone with no address records yields nothing, and that is not a failure', async () => {
    assert.deepEqual(await list(source({ zone: EMPTY })), []);
  });

  it('a wrong client secret fails the source with SOURCE_FAILED, a sign-in message that names the credential type, never the secret', async () => {
    const wrong = 'not-the-secret-9f8e7d';
    const err = await failure(
      list(source({ credential: { type: 'client-secret', tenantId: azure.tenantId, clientId: azure.clientId, clientSecret: wrong, authorityHost: azure.url } })),
    );
    assert.match(err.message, /^watch source azure-dns zone fleet\.test: cannot sign in to Azure with the client-secret credential: AADSTS7000215/);
    assert.ok(!err.message.includes(wrong));
    assert.equal(err.retryable, false);
  });

  it('a zone that is not in the resource group fails the source, naming resource group and subscription', async () => {
    const err = await failure(list(source({ zone: 'missing.test' })));
    assert.match(err.message, new RegExp(`^watch source azure-dns zone missing\\.test: the zone was not found in resource group ${azure.resourceGroup} of subscription ${azure.subscriptionId} \\(HTTP 404 ParentResourceNotFound\\)$`));
    assert.equal(err.retryable, false);
  });

  it('an ARM endpoint that accepts the listing and never answers fails the source within its timeout', async () => {
    const s = source({ timeout: '1s' });
    await list(s); // signed in, so the deadline meets the listing itself
    azure.stallListing();
    const started = Date.now();
    const err = await failure(list(s));
    assert.match(err.message, /^watch source azure-dns zone fleet\.test: Azure did not list the record sets within 1s \(timeout; 0 read so far\)$/);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    assert.equal(err.retryable, true);
  });
});

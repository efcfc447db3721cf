import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createResolver, ResolveError } from '../../../src/verify/resolver.js';
import { startDns, type TestDns } from '../../support/dns.js';

describe('resolving every address of an endpoint', () => {
  let dns: TestDns;
  before(async () => {
    dns = await startDns();
    dns.set('www.test', { A: ['127.0.0.2', '127.0.0.3'], AAAA: ['::1'] });
    dns.set('v6only.test', { AAAA: ['::1'] });
    dns.set('empty.test', {});
  });
  after(async () => {
    await dns?.stop();
  });

  it('a configured DNS server yields every A and AAAA address, IPv4 first', async () => {
    const before = dns.queries;
    assert.deepEqual(await createResolver([dns.server])('www.test'), ['127.0.0.2', '127.0.0.3', '::1']);
    assert.ok(dns.queries >= before + 2, 'both A and AAAA were asked of the configured server');
  });

  it('a name with only AAAA records still resolves', async () => {
    assert.deepEqual(await createResolver([dns.server])('v6only.test'), ['::1']);
  });

  it('a name that does not exist is an error naming the server', async () => {
    await assert.rejects(createResolver([dns.server])('missing.test'), (err: unknown) => {
      assert.ok(err instanceof ResolveError);
      assert.match(err.message, new RegExp(`missing\\.test\\b.*${dns.server.replace(/\./g, '\\.')}`));
      return true;
    });
  });

  it('a name without A or AAAA records is an error, not an empty list', async () => {
    await assert.rejects(createResolver([dns.server])('empty.test'), /no A or AAAA record/);
  });

  it('an IP address is its own address and asks no DNS', async () => {
    const before = dns.queries;
    assert.deepEqual(await createResolver([dns.server])('::1'), ['::1']);
    assert.equal(dns.queries, before);
  });

  it('without servers the system resolver is used (localhost from /etc/hosts)', async () => {
    const found = await createResolver()('localhost');
    assert.ok(found.includes('127.0.0.1') || found.includes('::1'), `got ${found.join(', ')}`);
  });
});

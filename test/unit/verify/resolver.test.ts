import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLookup, createResolver, ResolveError } from '../../../src/verify/resolver.js';
import { startDns, type TestDns } from '../../support/dns.js';

describe('resolving every address of an endpoint', () => {
  let dns: TestDns;
  before(async () => {
    dns = await startDns();
    dns.set('www.test', { A: ['127.0.0.2', '127.0.0.3'], AAAA: ['::1'] });
    dns.set('v6only.test', { AAAA: ['::1'] });
    dns.set('empty.test', {});
    dns.set('servfail6.test', { A: ['127.0.0.2'], AAAA: 'SERVFAIL' });
    dns.set('refused6.test', { A: ['127.0.0.2'], AAAA: 'REFUSED' });
    dns.set('mute6.test', { A: ['127.0.0.2'], AAAA: 'timeout' });
    dns.set('servfail4.test', { A: 'SERVFAIL', AAAA: ['::1'] });
    dns.set('broken.test', { A: 'SERVFAIL', AAAA: 'REFUSED' });
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

  const failing: [string, string, 4 | 6, RegExp][] = [
    ['an AAAA lookup that gets SERVFAIL while A answers is reported, not dropped', 'servfail6.test', 6, /^AAAA lookup failed: SERVFAIL$/],
    ['an AAAA lookup that is REFUSED while A answers is reported', 'refused6.test', 6, /^AAAA lookup failed: REFUSED$/],
    ['an AAAA lookup that gets no answer while A answers is reported as a timeout', 'mute6.test', 6, /^AAAA lookup failed: timeout/],
    ['an A lookup that fails while AAAA answers is reported the same way', 'servfail4.test', 4, /^A lookup failed: SERVFAIL$/],
  ];
  for (const [name, host, family, message] of failing) {
    it(name, async () => {
      const found = await createLookup([dns.server], { timeoutMs: 200 })(host);
      assert.deepEqual(found.addresses, [family === 6 ? '127.0.0.2' : '::1']);
      assert.equal(found.failures.length, 1);
      assert.equal(found.failures[0].family, family);
      assert.match(found.failures[0].message, message);
    });
  }

  it('an endpoint pinned to one family asks only that family, so the other failing does not matter', async () => {
    const before = dns.queries;
    const found = await createLookup([dns.server], { timeoutMs: 200 })('servfail6.test', 4);
    assert.deepEqual(found, { addresses: ['127.0.0.2'], failures: [] });
    assert.equal(dns.queries, before + 1, 'only the A record was asked for');
  });

  it('a pinned family that fails is an error, even when the other would answer', async () => {
    await assert.rejects(createLookup([dns.server], { timeoutMs: 200 })('servfail6.test', 6), /cannot resolve servfail6\.test .*AAAA lookup failed: SERVFAIL/);
  });

  it('both families failing is an error naming both failures', async () => {
    await assert.rejects(createLookup([dns.server], { timeoutMs: 200 })('broken.test'), /A lookup failed: SERVFAIL; AAAA lookup failed: REFUSED/);
  });

  it('the system resolver is asked once per family, and a family without records is no failure', async () => {
    const found = await createLookup()('localhost');
    assert.ok(found.addresses.includes('127.0.0.1'), `got ${found.addresses.join(', ')}`);
    assert.deepEqual(found.failures, []);
  });
});

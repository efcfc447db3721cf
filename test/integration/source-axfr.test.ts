/**
 * The `axfr` watch source against a real BIND 9 on loopback that allows zone transfers to
 * holders of a TSIG key: what a zone yields, and every way a transfer fails (wrong key, no key,
 * no such zone, a server that never answers, a record changed on the way).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import { AxfrSourceConfig } from '../../providers/sources/axfr/schema.js';
import { createAxfrSource } from '../../providers/sources/axfr/index.js';
import { startBind, type Bind } from '../support/bind.js';
import { tempDir } from '../support/lab.js';
import { sourceFailure as failure } from '../support/source-failure.js';

const ZONE = 'fleet.test';
const BIG = 'big.test';
const BIG_NAMES = 3000;
const log = createLogger({ level: 'silent' });

function source(bind: Bind, fields: Record<string, unknown> = {}) {
  return createAxfrSource(AxfrSourceConfig.parse({ type: 'axfr', server: bind.server, zone: ZONE, tsig: bind.tsig, timeout: '5s', ...fields }));
}

const list = (s: ReturnType<typeof source>) => s.list({ signal: new AbortController().signal, log });

describe('axfr watch source (BIND, TSIG)', () => {
  let bind: Bind;

  before(async () => {
    bind = await startBind({
      dir: path.join(tempDir('source-axfr'), 'bind'),
      zones: [ZONE, BIG],
      allowTransfer: true,
      records: {
        [ZONE]: [
          '@ IN A 192.0.2.1',
          'www IN A 192.0.2.10',
          'www IN AAAA 2001:db8::10',
          'api IN CNAME www',
          'v6only IN AAAA 2001:db8::20',
          '*.apps IN A 192.0.2.30',
          'mail IN MX 10 www',
          '_dmarc IN TXT "v=DMARC1; p=none"',
          'sub IN NS ns.sub',
          'ns.sub IN A 192.0.2.53',
        ],
        [BIG]: Array.from({ length: BIG_NAMES }, (_, i) => `host-${i} IN A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`),
      },
    });
  });

  after(async () => {
    await bind?.stop();
  });

  it('every A, AAAA and CNAME name becomes an endpoint on each port; wildcards, glue below a delegation and other types are passed over', async () => {
    const endpoints = await list(source(bind, { ports: [443, 8443, 443] }));
    const keys = endpoints.map((e) => `${e.host}:${e.port}`).sort();
    assert.deepEqual(keys, [
      'api.fleet.test:443',
      'api.fleet.test:8443',
      'fleet.test:443',
      'fleet.test:8443',
      'ns.fleet.test:443',
      'ns.fleet.test:8443',
      'v6only.fleet.test:443',
      'v6only.fleet.test:8443',
      'www.fleet.test:443',
      'www.fleet.test:8443',
    ]);
    const www = endpoints.find((e) => e.host === 'www.fleet.test')!;
    assert.equal(www.origin, `axfr zone fleet.test from ${bind.server}, A, AAAA records www`);
    assert.equal(endpoints.find((e) => e.host === 'fleet.test')!.origin, `axfr zone fleet.test from ${bind.server}, A record @`);
  });

  it('a zone of thousands of names arrives over many signed messages, each one verified', async () => {
    const endpoints = await list(source(bind, { zone: BIG }));
    // Every host-N plus ns.
    assert.equal(endpoints.length, BIG_NAMES + 1);
    assert.ok(endpoints.some((e) => e.host === `host-${BIG_NAMES - 1}.big.test`));
  });

  it('a wrong TSIG secret fails the source with SOURCE_FAILED, naming the source and what the server said (BADSIG), and not retryable', async () => {
    const wrong = { ...bind.tsig, secret: Buffer.alloc(32, 7).toString('base64') };
    const err = await failure(list(source(bind, { tsig: wrong })));
    assert.match(err.message, new RegExp(`^watch source axfr zone fleet\\.test from 127\\.0\\.0\\.1:${bind.port}: .*BADSIG`));
    assert.equal(err.retryable, false);
    assert.ok(!err.message.includes(wrong.secret));
  });

  it('without a key the server refuses the transfer, and the message says allow-transfer does not grant it', async () => {
    const err = await failure(list(source(bind, { tsig: undefined })));
    assert.match(err.message, /answered REFUSED \(the server does not allow this transfer \(allow-transfer/);
    assert.equal(err.retryable, false);
  });

  it('a zone the server does not hold fails the source, naming the zone', async () => {
    const err = await failure(list(source(bind, { zone: 'elsewhere.test' })));
    assert.match(err.message, /^watch source axfr zone elsewhere\.test from .*: .*answered (NOTAUTH|REFUSED)/);
  });

  it('a server that accepts the connection and never answers fails the source within its timeout', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const err = await failure(list(source(bind, { server: `127.0.0.1:${port}`, timeout: '1s' })));
      assert.match(err.message, /did not finish within 1000 ms \(0 records so far\)/);
      assert.ok(Date.now() - started < 4000);
      assert.equal(err.retryable, true);
    } finally {
      silent.close();
    }
  });

  it('a transfer with one byte changed on the way does not verify and is not trusted', async () => {
    // A relay that passes the request on and changes www's address (192.0.2.10 → .11) in the
    // reply: the message still reads as DNS, only the signature can tell.
    const www = Buffer.from([192, 0, 2, 10]);
    const relay = net.createServer((client) => {
      const upstream = net.connect(bind.port, '127.0.0.1');
      client.pipe(upstream);
      let changed = false;
      upstream.on('data', (chunk: Buffer) => {
        const at = changed ? -1 : chunk.indexOf(www);
        if (at >= 0) {
          chunk[at + 3] ^= 0x01;
          changed = true;
        }
        client.write(chunk);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as net.AddressInfo).port;
    try {
      const err = await failure(list(source(bind, { server: `127.0.0.1:${port}` })));
      assert.match(err.message, /sent a transfer that is not to be trusted: the reply signature does not verify$/);
      assert.equal(err.retryable, false);
    } finally {
      relay.close();
    }
  });
});

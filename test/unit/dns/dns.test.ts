import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { challengeRecordName, challengeRecordValue, relativeName } from '../../../src/dns/challenge.js';
import { parseServer } from '../../../src/dns/client.js';
import { checkReply, signMessage } from '../../../src/dns/tsig.js';
import { buildUpdate, sendUpdate } from '../../../src/dns/update.js';
import { encodeTxtRdata } from '../../../src/dns/wire.js';

describe('dns-01 record name and value', () => {
  const names: [string, string, string][] = [
    ['an apex name gets the _acme-challenge label', 'example.com', '_acme-challenge.example.com'],
    ['a wildcard is validated at its base name', '*.example.com', '_acme-challenge.example.com'],
    ['a trailing dot and upper case are normalised', 'WWW.Example.com.', '_acme-challenge.www.example.com'],
  ];
  for (const [sentence, identifier, expected] of names) {
    it(sentence, () => assert.equal(challengeRecordName(identifier), expected));
  }

  it('the value is base64url(SHA-256(key authorization)) without padding (RFC 8555 §8.4)', () => {
    // printf 'token-abc.thumbprint-xyz' | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='
    assert.equal(challengeRecordValue('token-abc.thumbprint-xyz'), 'e4poW-EBoq21JA9OrAOs8Izzml-1iB5kE5hWbN2FDkM');
  });

  const relative: [string, string, string, string | undefined][] = [
    ['a name below the zone is relative to it', '_acme-challenge.www.example.com', 'example.com', '_acme-challenge.www'],
    ['the zone apex is "@"', 'example.com', 'example.com.', '@'],
    ['a name outside the zone has no relative name', '_acme-challenge.example.org', 'example.com', undefined],
    ['a zone that is only a suffix of a label does not match', '_acme-challenge.notexample.com', 'example.com', undefined],
  ];
  for (const [sentence, name, zone, expected] of relative) {
    it(sentence, () => assert.equal(relativeName(name, zone), expected));
  }
});

describe('DNS server addresses', () => {
  const cases: [string, string, { host: string; port: number }][] = [
    ['a bare host uses port 53', 'ns1.example.com', { host: 'ns1.example.com', port: 53 }],
    ['host:port keeps the port', '127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['a bracketed IPv6 address takes a port', '[::1]:5353', { host: '::1', port: 5353 }],
    ['a bare IPv6 address uses port 53', '2001:db8::1', { host: '2001:db8::1', port: 53 }],
  ];
  for (const [sentence, input, expected] of cases) {
    it(sentence, () => assert.deepEqual(parseServer(input), expected));
  }
});

describe('RFC 2136 update messages', () => {
  it('an update adds with class IN and a TTL, deletes one value with class NONE and TTL 0, in the zone section', () => {
    const msg = buildUpdate(4242, 'example.com', [
      { op: 'add', name: '_acme-challenge.example.com', value: 'v1', ttl: 60 },
      { op: 'delete', name: '_acme-challenge.example.com', value: 'v2', ttl: 60 },
    ]);
    const p = dnsPacket.decode(msg) as ReturnType<typeof dnsPacket.decode> & { opcode: string };
    assert.equal(p.id, 4242);
    assert.equal(p.opcode, 'UPDATE');
    assert.deepEqual(p.questions, [{ name: 'example.com', type: 'SOA', class: 'IN' }]);
    const [add, del] = p.authorities!.map((r) => {
      const rr = r as unknown as { class: string; ttl: number; type: string; data: Buffer[] };
      return { ...rr, data: rr.data.map(String) };
    });
    assert.deepEqual([add.class, add.ttl, add.type, add.data], ['IN', 60, 'TXT', ['v1']]);
    assert.deepEqual([del.class, del.ttl, del.type, del.data], ['UNKNOWN_254', 0, 'TXT', ['v2']]);
  });

  it('a TXT value longer than 255 bytes is split into character-strings', () => {
    const rdata = encodeTxtRdata('x'.repeat(300));
    assert.deepEqual([rdata[0], rdata[256]], [255, 45]);
    assert.equal(rdata.length, 302);
  });

  it('a signed request carries one TSIG record more, named after the key', () => {
    const key = { name: 'certloop', algorithm: 'hmac-sha256' as const, secret: Buffer.alloc(32, 1) };
    const signed = signMessage(buildUpdate(1, 'example.com', []), key, new Date('2025-01-01T00:00:00Z'));
    const p = dnsPacket.decode(signed.message);
    assert.equal(p.additionals!.length, 1);
    assert.equal(p.additionals![0].type, 'TSIG');
    assert.equal(p.additionals![0].name, 'certloop');
    assert.equal(signed.requestMac.length, 32);
  });

  it('an unsigned reply to a signed request is not trusted, even when it says NOERROR', async () => {
    // A server (or a spoofer) that answers NOERROR without a signature.
    const server = net.createServer((socket) => {
      socket.once('data', (data) => {
        const id = data.readUInt16BE(2);
        const reply = dnsPacket.encode({ type: 'response', id, flags: 5 << 11 });
        const len = Buffer.alloc(2);
        len.writeUInt16BE(reply.length);
        socket.end(Buffer.concat([len, reply]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const key = { name: 'certloop', algorithm: 'hmac-sha256' as const, secret: Buffer.alloc(32, 1) };
      await assert.rejects(
        sendUpdate({ server: { host: '127.0.0.1', port }, zone: 'example.com', key, timeoutMs: 2000, changes: [{ op: 'add', name: '_acme-challenge.example.com', value: 'v', ttl: 60 }] }),
        /answered NOERROR but the reply is not signed; not trusting it/,
      );
    } finally {
      server.close();
    }
  });

  it('a reply whose signature does not verify is reported as such', () => {
    const key = { name: 'certloop', algorithm: 'hmac-sha256' as const, secret: Buffer.alloc(32, 1) };
    const request = signMessage(buildUpdate(7, 'example.com', []), key);
    // Reuse the request's own TSIG as if it were the reply's: the MAC covers different input.
    assert.deepEqual(checkReply(request.message, key, request.requestMac), { error: 0, verified: false, problem: 'the reply signature does not verify' });
  });
});

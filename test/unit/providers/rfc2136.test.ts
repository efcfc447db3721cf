/** The rfc2136 provider's own wire work: RFC 2136 UPDATE messages and their TSIG (RFC 8945). */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { checkReply, signMessage } from '../../../providers/challenges/rfc2136/tsig.js';
import { buildUpdate, sendUpdate } from '../../../providers/challenges/rfc2136/update.js';
import { encodeTxtRdata } from '../../../providers/challenges/rfc2136/wire.js';

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

/**
 * A tiny authoritative DNS server on loopback (UDP, dns-packet) whose A and AAAA answers the test
 * sets: the "resolver the test controls" for verify.resolver. Unknown names get NXDOMAIN.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface TestDns {
  /** "127.0.0.1:PORT", for verify.resolver / --resolver. */
  server: string;
  set(name: string, records: { A?: string[]; AAAA?: string[] }): void;
  /** How many queries were answered (to prove the resolver was asked). */
  queries: number;
  stop(): Promise<void>;
}

export async function startDns(): Promise<TestDns> {
  const zone = new Map<string, { A?: string[]; AAAA?: string[] }>();
  const socket = dgram.createSocket('udp4');
  const dns: TestDns = {
    server: '',
    queries: 0,
    set: (name, records) => zone.set(name.toLowerCase(), records),
    stop: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    dns.queries++;
    const q = query.questions?.[0];
    const entry = q ? zone.get(q.name.toLowerCase()) : undefined;
    const type = q?.type === 'A' || q?.type === 'AAAA' ? q.type : undefined;
    const answers = entry && type ? (entry[type] ?? []).map((data) => ({ type, name: q!.name, ttl: 1, class: 'IN' as const, data })) : [];
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (entry ? 0 : 3), // rcode 3 = NXDOMAIN
      questions: query.questions,
      answers: answers as dnsPacket.Answer[],
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  dns.server = `127.0.0.1:${socket.address().port}`;
  return dns;
}

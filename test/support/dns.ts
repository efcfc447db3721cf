/**
 * A tiny authoritative DNS server on loopback (UDP, dns-packet) whose A and AAAA answers the test
 * sets: the "resolver the test controls" for verify.resolver. Unknown names get NXDOMAIN. A record
 * type may also fail: SERVFAIL, REFUSED (the rcode) or timeout (no answer at all).
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

/** How a record type fails instead of answering. */
export type DnsFailure = 'SERVFAIL' | 'REFUSED' | 'timeout';
const RCODE: Record<Exclude<DnsFailure, 'timeout'>, number> = { SERVFAIL: 2, REFUSED: 5 };

export interface Records {
  A?: string[] | DnsFailure;
  AAAA?: string[] | DnsFailure;
}

export interface TestDns {
  /** "127.0.0.1:PORT", for verify.resolver / --resolver. */
  server: string;
  set(name: string, records: Records): void;
  /** How many queries were answered (to prove the resolver was asked). */
  queries: number;
  stop(): Promise<void>;
}

export async function startDns(): Promise<TestDns> {
  const zone = new Map<string, Records>();
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
    const records = entry && type ? (entry[type] ?? []) : [];
    if (records === 'timeout') return;
    const answers = Array.isArray(records) ? records.map((data) => ({ type: type!, name: q!.name, ttl: 1, class: 'IN' as const, data })) : [];
    const rcode = !entry ? 3 : typeof records === 'string' ? RCODE[records] : 0; // 3 = NXDOMAIN
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | rcode,
      questions: query.questions,
      answers: answers as dnsPacket.Answer[],
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  dns.server = `127.0.0.1:${socket.address().port}`;
  return dns;
}

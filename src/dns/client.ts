/**
 * A small DNS client over UDP and TCP (RFC 1035 §4.2), built on dns-packet. certloop asks the
 * zone's authoritative servers directly, with recursion off, so what it sees is what the CA will
 * see, without any cache in between (c-ares, behind node:dns, caches answers, negative ones too).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket, { type Answer, type DecodedPacket, type RecordType } from 'dns-packet';

/** A decoded reply; dns-packet sets `rcode` ("NOERROR", "NXDOMAIN", ...) but its types omit it. */
export type Reply = DecodedPacket & { rcode: string };

export interface DnsServer {
  host: string;
  port: number;
}

/** "host", "host:port", "[v6]:port" or a bare IPv6 address; port 53 unless given. */
export function parseServer(s: string, defaultPort = 53): DnsServer {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  if (net.isIPv6(s)) return { host: s, port: defaultPort };
  const i = s.lastIndexOf(':');
  if (i > 0 && /^\d+$/.test(s.slice(i + 1))) return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  return { host: s, port: defaultPort };
}

export function formatServer(s: DnsServer): string {
  return net.isIPv6(s.host) ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

export interface ExchangeOptions {
  tcp?: boolean;
  timeoutMs: number;
}

export class DnsTimeoutError extends Error {
  constructor(server: DnsServer, timeoutMs: number) {
    super(`no answer from ${formatServer(server)} within ${timeoutMs} ms`);
    this.name = 'DnsTimeoutError';
  }
}

/** Sends one DNS message and returns the raw reply (the caller decodes and checks it). */
export function exchange(server: DnsServer, message: Buffer, opts: ExchangeOptions): Promise<Buffer> {
  return opts.tcp ? exchangeTcp(server, message, opts.timeoutMs) : exchangeUdp(server, message, opts.timeoutMs);
}

function exchangeUdp(server: DnsServer, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const id = message.readUInt16BE(0);
    const done = (err: Error | undefined, reply?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new DnsTimeoutError(server, timeoutMs)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (reply, rinfo) => {
      // Ignore stray datagrams: only the server we asked, answering our id, counts.
      if (reply.length < 12 || reply.readUInt16BE(0) !== id || rinfo.port !== server.port) return;
      done(undefined, reply);
    });
    socket.send(message, server.port, server.host, (err) => {
      if (err) done(err);
    });
  });
}

function exchangeTcp(server: DnsServer, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let received = Buffer.alloc(0);
    const done = (err: Error | undefined, reply?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new DnsTimeoutError(server, timeoutMs)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        done(undefined, received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('end', () => done(new Error(`${formatServer(server)} closed the connection without a full answer`)));
  });
}

export function newMessageId(): number {
  return randomInt(0, 0x10000);
}

export interface QueryOptions {
  /** Ask for recursion (to a resolver); off when asking an authoritative server. */
  recursion: boolean;
  timeoutMs: number;
}

/** One question, UDP first, TCP when the answer is truncated; one retry on a UDP timeout. */
export async function query(server: DnsServer, name: string, type: RecordType, opts: QueryOptions): Promise<Reply> {
  const message = dnsPacket.encode({
    type: 'query',
    id: newMessageId(),
    flags: opts.recursion ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ type, name, class: 'IN' }],
  });
  let reply: Buffer;
  try {
    reply = await exchange(server, message, { timeoutMs: opts.timeoutMs / 2 });
  } catch (err) {
    if (!(err instanceof DnsTimeoutError)) throw err;
    reply = await exchange(server, message, { timeoutMs: opts.timeoutMs / 2 });
  }
  let packet = dnsPacket.decode(reply) as Reply;
  if (packet.flag_tc) packet = dnsPacket.decode(await exchange(server, message, { tcp: true, timeoutMs: opts.timeoutMs })) as Reply;
  return packet;
}

/** The TXT values of an answer for one owner name, each record's strings joined (RFC 7208 §3.3). */
export function txtValues(packet: Reply, owner: string): string[] {
  const want = normalizeName(owner);
  const out: string[] = [];
  for (const a of packet.answers ?? []) {
    if (a.type !== 'TXT' || normalizeName(a.name) !== want) continue;
    const data: unknown = a.data;
    const chunks = Array.isArray(data) ? data : [data];
    out.push(chunks.map((c) => (Buffer.isBuffer(c) ? c.toString('utf8') : String(c))).join(''));
  }
  return out;
}

/** The data of a name or address record (NS, CNAME, A, AAAA) as text. */
export function rdataText(a: Answer): string {
  return 'data' in a ? String(a.data) : '';
}

/** Lower case, no trailing dot: the form names are compared in. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * The few wire-format pieces dns-packet does not offer for RFC 2136 UPDATE and RFC 8945 TSIG:
 * class NONE records (delete one value), canonical names for MAC input, and the offset of the
 * last record so a TSIG can be cut off a reply and checked.
 */
import type dnsPacket from 'dns-packet';
import { lazyRequire } from '../../../src/util/lazy-require.js';

/** dns-packet's per-section codecs: present at runtime, missing from its type declarations. */
interface SectionCodec<T> {
  decode: ((buf: Buffer, offset: number) => T) & { bytes: number };
}
const packets = lazyRequire<typeof dnsPacket>('dns-packet');
const codec = () =>
  packets() as unknown as {
    name: SectionCodec<string>;
    question: SectionCodec<unknown>;
    answer: SectionCodec<{ type: string }>;
  };

export const CLASS_IN = 1;
export const CLASS_NONE = 254;
export const CLASS_ANY = 255;
export const TYPE_SOA = 6;
export const TYPE_TXT = 16;
export const TYPE_TSIG = 250;
export const OPCODE_UPDATE = 5;

/** Uncompressed wire name, lower case: the canonical form TSIG's MAC is computed over (RFC 8945 §4.3.3). */
export function encodeName(name: string): Buffer {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'utf8');
    if (bytes.length > 63) throw new Error(`DNS label "${label}" is longer than 63 bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** TXT RDATA: the value as character-strings of at most 255 bytes each (RFC 1035 §3.3.14). */
export function encodeTxtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || parts.length === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A 48-bit unsigned integer (TSIG's Time Signed). */
export function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(Math.floor(n / 2 ** 32), 0);
  b.writeUInt32BE(n % 2 ** 32, 2);
  return b;
}

/** One resource record in wire form. */
export function encodeRecord(r: { name: string; type: number; klass: number; ttl: number; rdata: Buffer }): Buffer {
  return Buffer.concat([encodeName(r.name), u16(r.type), u16(r.klass), u32(r.ttl), u16(r.rdata.length), r.rdata]);
}

/** Reads a (possibly compressed) name at `offset`; returns it and the bytes it took in place. */
export function readName(buf: Buffer, offset: number): { name: string; bytes: number } {
  const name = codec().name.decode(buf, offset);
  return { name, bytes: codec().name.decode.bytes };
}

/** Start offset of the last record of the additional section, or undefined when it is empty. */
export function lastAdditionalOffset(buf: Buffer): number | undefined {
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  if (counts[3] === 0) return undefined;
  let offset = 12;
  for (let i = 0; i < counts[0]; i++) {
    codec().question.decode(buf, offset);
    offset += codec().question.decode.bytes;
  }
  const records = counts[1] + counts[2] + counts[3];
  for (let i = 0; i < records - 1; i++) {
    codec().answer.decode(buf, offset);
    offset += codec().answer.decode.bytes;
  }
  return offset;
}

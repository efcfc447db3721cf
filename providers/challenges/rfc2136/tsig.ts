/**
 * TSIG (RFC 8945): a shared-secret HMAC over a DNS message, how BIND, Knot, PowerDNS and Windows
 * DNS authenticate dynamic updates. Requests are signed; replies are checked, including the
 * server's TSIG error (BADSIG, BADKEY, BADTIME), which is the useful part of a NOTAUTH answer.
 *
 * The secret only ever goes into node:crypto's HMAC: it is not part of any message or error.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLASS_ANY, TYPE_TSIG, encodeName, lastAdditionalOffset, readName, u16, u32, u48 } from './wire.js';
import type { TsigAlgorithm } from './schema.js';

export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  /** The decoded shared secret. */
  secret: Buffer;
}

/** RFC 8945 §5.3: how far the two clocks may differ; BIND and nsupdate use 300 s too. */
const FUDGE_SECONDS = 300;

/** TSIG error codes (RFC 8945 §3, IANA "DNS RCODEs") with what each means for an operator. */
const TSIG_ERRORS: Record<number, string> = {
  16: 'BADSIG: the server could not verify the signature (wrong secret or algorithm for this key name)',
  17: 'BADKEY: the server does not know this key name with this algorithm',
  18: 'BADTIME: the clocks of this host and the server differ by more than 5 minutes',
  22: 'BADTRUNC: the server rejected a truncated MAC',
};

export function describeTsigError(code: number): string {
  return TSIG_ERRORS[code] ?? `TSIG error ${code}`;
}

function hashName(algorithm: TsigAlgorithm): string {
  return algorithm.slice('hmac-'.length);
}

/** The TSIG variables that follow the message in the MAC input (RFC 8945 §4.3.3). */
function variables(key: TsigKey, timeSigned: number, fudge: number, error: number, other: Buffer): Buffer {
  return Buffer.concat([
    encodeName(key.name),
    u16(CLASS_ANY),
    u32(0),
    encodeName(`${key.algorithm}.`),
    u48(timeSigned),
    u16(fudge),
    u16(error),
    u16(other.length),
    other,
  ]);
}

export interface SignedMessage {
  message: Buffer;
  /** Kept to check the reply, whose MAC covers the request's. */
  requestMac: Buffer;
}

/** Appends a TSIG record to `message` (whose additional count does not include it yet). */
export function signMessage(message: Buffer, key: TsigKey, now: Date = new Date()): SignedMessage {
  const timeSigned = Math.floor(now.getTime() / 1000);
  const mac = createHmac(hashName(key.algorithm), key.secret)
    .update(message)
    .update(variables(key, timeSigned, FUDGE_SECONDS, 0, Buffer.alloc(0)))
    .digest();
  const originalId = message.readUInt16BE(0);
  const rdata = Buffer.concat([
    encodeName(`${key.algorithm}.`),
    u48(timeSigned),
    u16(FUDGE_SECONDS),
    u16(mac.length),
    mac,
    u16(originalId),
    u16(0),
    u16(0),
  ]);
  const record = Buffer.concat([encodeName(key.name), u16(TYPE_TSIG), u16(CLASS_ANY), u32(0), u16(rdata.length), rdata]);
  const signed = Buffer.concat([message, record]);
  signed.writeUInt16BE(signed.readUInt16BE(10) + 1, 10);
  return { message: signed, requestMac: mac };
}

export interface ReplyTsig {
  /** TSIG error the server reported (0 = none). */
  error: number;
  /** Whether the reply's own MAC verified with our key. */
  verified: boolean;
  /** Why it did not verify, when it did not. */
  problem?: string;
}

/**
 * Finds and checks the TSIG of a reply to a signed request. A reply without a TSIG, or with one
 * that does not verify, must not be trusted (RFC 8945 §5.3.4): someone else may have answered.
 */
export function checkReply(reply: Buffer, key: TsigKey, requestMac: Buffer, now: Date = new Date()): ReplyTsig {
  const start = lastAdditionalOffset(reply);
  if (start === undefined) return { error: 0, verified: false, problem: 'the reply is not signed' };
  const owner = readName(reply, start);
  let p = start + owner.bytes;
  if (reply.readUInt16BE(p) !== TYPE_TSIG) return { error: 0, verified: false, problem: 'the reply is not signed' };
  p += 2 + 2 + 4 + 2; // type, class, TTL, RDLENGTH
  const algorithm = readName(reply, p);
  p += algorithm.bytes;
  const timeSigned = reply.readUInt16BE(p) * 2 ** 32 + reply.readUInt32BE(p + 2);
  const fudge = reply.readUInt16BE(p + 6);
  const macSize = reply.readUInt16BE(p + 8);
  const mac = reply.subarray(p + 10, p + 10 + macSize);
  p += 10 + macSize;
  const originalId = reply.readUInt16BE(p);
  const error = reply.readUInt16BE(p + 2);
  const otherLen = reply.readUInt16BE(p + 4);
  const other = reply.subarray(p + 6, p + 6 + otherLen);

  // BADSIG and BADKEY replies carry no MAC: the server could not sign with a key it rejected.
  if (macSize === 0) return { error, verified: false, problem: 'the reply carries no signature' };
  if (owner.name.toLowerCase().replace(/\.$/, '') !== key.name.toLowerCase().replace(/\.$/, '')) {
    return { error, verified: false, problem: `the reply is signed with another key (${owner.name})` };
  }
  if (algorithm.name.toLowerCase().replace(/\.$/, '') !== key.algorithm) {
    return { error, verified: false, problem: `the reply is signed with another algorithm (${algorithm.name})` };
  }

  const unsigned = Buffer.from(reply.subarray(0, start));
  unsigned.writeUInt16BE(originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const expected = createHmac(hashName(key.algorithm), key.secret)
    .update(u16(requestMac.length))
    .update(requestMac)
    .update(unsigned)
    .update(variables(key, timeSigned, fudge, error, other))
    .digest();
  // RFC 8945 §5.2.2.1: a truncated MAC is acceptable down to half the hash (and 10 bytes).
  const minimum = Math.max(10, expected.length / 2);
  if (mac.length < minimum || mac.length > expected.length || !timingSafeEqual(mac, expected.subarray(0, mac.length))) {
    return { error, verified: false, problem: 'the reply signature does not verify' };
  }
  if (Math.abs(now.getTime() / 1000 - timeSigned) > fudge) {
    return { error, verified: false, problem: 'the reply was signed too long ago or in the future (clock skew)' };
  }
  return { error, verified: true };
}

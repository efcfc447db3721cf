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

/** The fields of a message's TSIG record, and where it starts. */
interface TsigRecord {
  start: number;
  owner: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

/** The TSIG record at the end of `message`, if its last record is one. */
function readTsig(message: Buffer): TsigRecord | undefined {
  const start = lastAdditionalOffset(message);
  if (start === undefined) return undefined;
  const owner = readName(message, start);
  let p = start + owner.bytes;
  if (message.readUInt16BE(p) !== TYPE_TSIG) return undefined;
  p += 2 + 2 + 4 + 2; // type, class, TTL, RDLENGTH
  const algorithm = readName(message, p);
  p += algorithm.bytes;
  const timeSigned = message.readUInt16BE(p) * 2 ** 32 + message.readUInt32BE(p + 2);
  const fudge = message.readUInt16BE(p + 6);
  const macSize = message.readUInt16BE(p + 8);
  const mac = message.subarray(p + 10, p + 10 + macSize);
  p += 10 + macSize;
  const otherLen = message.readUInt16BE(p + 4);
  return {
    start,
    owner: owner.name,
    algorithm: algorithm.name,
    timeSigned,
    fudge,
    mac,
    originalId: message.readUInt16BE(p),
    error: message.readUInt16BE(p + 2),
    other: message.subarray(p + 6, p + 6 + otherLen),
  };
}

const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Checks one signed message of a reply. `prior` is the MAC this one chains to (the request's for
 * the first reply, else the last verified one), `unsigned` the messages between the two, and
 * `first` whether the full TSIG variables are covered (RFC 8945 §4.3.3) or only the timers
 * (§5.3.1, the later messages of a zone transfer).
 */
function verifySigned(message: Buffer, rec: TsigRecord, key: TsigKey, prior: Buffer, unsigned: Buffer[], first: boolean, now: Date): ReplyTsig {
  const { error, mac } = rec;
  // BADSIG and BADKEY replies carry no MAC: the server could not sign with a key it rejected.
  if (mac.length === 0) return { error, verified: false, problem: 'the reply carries no signature' };
  if (bare(rec.owner) !== bare(key.name)) return { error, verified: false, problem: `the reply is signed with another key (${rec.owner})` };
  if (bare(rec.algorithm) !== key.algorithm) return { error, verified: false, problem: `the reply is signed with another algorithm (${rec.algorithm})` };

  const stripped = Buffer.from(message.subarray(0, rec.start));
  stripped.writeUInt16BE(rec.originalId, 0);
  stripped.writeUInt16BE(stripped.readUInt16BE(10) - 1, 10);
  const hmac = createHmac(hashName(key.algorithm), key.secret).update(u16(prior.length)).update(prior);
  for (const m of unsigned) hmac.update(m);
  hmac.update(stripped);
  hmac.update(first ? variables(key, rec.timeSigned, rec.fudge, error, rec.other) : Buffer.concat([u48(rec.timeSigned), u16(rec.fudge)]));
  const expected = hmac.digest();
  // RFC 8945 §5.2.2.1: a truncated MAC is acceptable down to half the hash (and 10 bytes).
  const minimum = Math.max(10, expected.length / 2);
  if (mac.length < minimum || mac.length > expected.length || !timingSafeEqual(mac, expected.subarray(0, mac.length))) {
    return { error, verified: false, problem: 'the reply signature does not verify' };
  }
  if (Math.abs(now.getTime() / 1000 - rec.timeSigned) > rec.fudge) {
    return { error, verified: false, problem: 'the reply was signed too long ago or in the future (clock skew)' };
  }
  return { error, verified: true };
}

/**
 * Finds and checks the TSIG of a reply to a signed request. A reply without a TSIG, or with one
 * that does not verify, must not be trusted (RFC 8945 §5.3.4): someone else may have answered.
 */
export function checkReply(reply: Buffer, key: TsigKey, requestMac: Buffer, now: Date = new Date()): ReplyTsig {
  const rec = readTsig(reply);
  if (!rec) return { error: 0, verified: false, problem: 'the reply is not signed' };
  return verifySigned(reply, rec, key, requestMac, [], true, now);
}

/** RFC 8945 §5.3.1: a verifier must accept up to 99 unsigned messages between signed ones. */
const MAX_UNSIGNED_RUN = 99;

/**
 * Checks the messages of a multi-message reply (a zone transfer over TCP) in order: each signed
 * one chains to the previous MAC and covers the unsigned messages since (RFC 8945 §5.3.1). The
 * first and the last message must be signed; `finish` says whether the last one was.
 */
export class TsigStreamVerifier {
  private prior: Buffer;
  private first = true;
  private unsigned: Buffer[] = [];

  constructor(
    private readonly key: TsigKey,
    requestMac: Buffer,
  ) {
    this.prior = requestMac;
  }

  /** The next message; `verified: false` with no `problem` means unsigned, acceptable so far. */
  next(message: Buffer, now: Date = new Date()): ReplyTsig {
    const rec = readTsig(message);
    if (!rec) {
      if (this.first) return { error: 0, verified: false, problem: 'the reply is not signed' };
      this.unsigned.push(message);
      if (this.unsigned.length > MAX_UNSIGNED_RUN) {
        return { error: 0, verified: false, problem: `more than ${MAX_UNSIGNED_RUN} messages in a row are not signed (RFC 8945 §5.3.1)` };
      }
      return { error: 0, verified: false };
    }
    const result = verifySigned(message, rec, this.key, this.prior, this.unsigned, this.first, now);
    if (result.verified) {
      this.prior = Buffer.from(rec.mac);
      this.first = false;
      this.unsigned = [];
    }
    return result;
  }

  /** Whether everything received so far is covered by a verified signature. */
  get complete(): boolean {
    return !this.first && this.unsigned.length === 0;
  }
}

/** A key as configured (secret in base64, as in the server's key file) ready for signing. */
export function tsigKey(config: { name: string; algorithm: TsigAlgorithm; secret: string }): TsigKey {
  return { name: config.name, algorithm: config.algorithm, secret: Buffer.from(config.secret, 'base64') };
}

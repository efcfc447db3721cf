/**
 * RFC 2136 dynamic updates of TXT records, optionally signed with TSIG. Only single values are
 * added or deleted (class NONE delete, §2.5.4), never whole RRsets, so a wildcard and its apex —
 * two TXT values on one name — and anyone else's records on that name coexist.
 */
import dnsPacket from 'dns-packet';
import { exchange, formatServer, newMessageId, type DnsServer, type Reply } from '../../../src/dns/client.js';
import { checkReply, describeTsigError, signMessage, type TsigKey } from './tsig.js';
import { CLASS_IN, CLASS_NONE, OPCODE_UPDATE, TYPE_SOA, TYPE_TXT, encodeName, encodeRecord, encodeTxtRdata, u16 } from './wire.js';

export interface TxtChange {
  op: 'add' | 'delete';
  name: string;
  value: string;
  ttl: number;
}

export interface UpdateRequest {
  server: DnsServer;
  zone: string;
  changes: TxtChange[];
  key?: TsigKey;
  timeoutMs: number;
}

/** What an UPDATE answer code means for the person who has to fix it (RFC 2136 §2.2). */
const RCODE_HINTS: Record<string, string> = {
  FORMERR: 'the server could not parse the update',
  SERVFAIL: 'the server failed internally (see its log)',
  NXDOMAIN: 'a prerequisite name does not exist',
  NOTIMP: 'the server does not support dynamic updates',
  REFUSED: 'the server refuses this update (allow-update / update-policy does not grant it to this key or address)',
  YXDOMAIN: 'a prerequisite name exists',
  YXRRSET: 'a prerequisite record set exists',
  NXRRSET: 'a prerequisite record set does not exist',
  NOTAUTH: 'the server is not authoritative for the zone or did not accept the signature',
  NOTZONE: 'the record name is not inside the zone',
};

export class DnsUpdateError extends Error {
  constructor(
    message: string,
    readonly rcode?: string,
    readonly tsigError?: number,
  ) {
    super(message);
    this.name = 'DnsUpdateError';
  }
}

export function buildUpdate(id: number, zone: string, changes: TxtChange[]): Buffer {
  const header = Buffer.concat([u16(id), u16(OPCODE_UPDATE << 11), u16(1), u16(0), u16(changes.length), u16(0)]);
  const zoneSection = Buffer.concat([encodeName(zone), u16(TYPE_SOA), u16(CLASS_IN)]);
  const updates = changes.map((c) =>
    encodeRecord({
      name: c.name,
      type: TYPE_TXT,
      // Add: class IN with a TTL. Delete one value: class NONE, TTL 0, the same RDATA.
      klass: c.op === 'add' ? CLASS_IN : CLASS_NONE,
      ttl: c.op === 'add' ? c.ttl : 0,
      rdata: encodeTxtRdata(c.value),
    }),
  );
  return Buffer.concat([header, zoneSection, ...updates]);
}

/** Sends the update over TCP (no retransmission guesswork) and throws unless it was applied. */
export async function sendUpdate(req: UpdateRequest): Promise<void> {
  const unsigned = buildUpdate(newMessageId(), req.zone, req.changes);
  const signed = req.key ? signMessage(unsigned, req.key) : undefined;
  const raw = await exchange(req.server, signed?.message ?? unsigned, { tcp: true, timeoutMs: req.timeoutMs });
  const reply = dnsPacket.decode(raw) as Reply;
  const where = formatServer(req.server);

  const tsig = req.key && signed ? checkReply(raw, req.key, signed.requestMac) : undefined;
  if (tsig && tsig.error !== 0) {
    throw new DnsUpdateError(`${where} answered ${reply.rcode} (TSIG ${describeTsigError(tsig.error)})`, reply.rcode, tsig.error);
  }
  if (reply.rcode !== 'NOERROR') {
    const hint = RCODE_HINTS[reply.rcode];
    throw new DnsUpdateError(`${where} answered ${reply.rcode}${hint ? ` (${hint})` : ''}`, reply.rcode);
  }
  if (tsig && !tsig.verified) {
    throw new DnsUpdateError(`${where} answered NOERROR but ${tsig.problem}; not trusting it`, reply.rcode);
  }
}

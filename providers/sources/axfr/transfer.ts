/**
 * Zone transfer (AXFR, RFC 5936) over TCP, optionally signed with TSIG (RFC 8945 §5.3.1): every
 * record of a zone from its authoritative server, as a secondary server would get it. The answer
 * is a stream of DNS messages that begins and ends with the zone's SOA; each message is checked
 * as it arrives (id, answer code, signature), and a deadline bounds the whole transfer.
 */
import net from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';
import { formatServer, newMessageId, type DnsServer, type Reply } from '../../../src/dns/client.js';
import { describeTsigError, signMessage, TsigStreamVerifier, type TsigKey } from '../../challenges/rfc2136/tsig.js';

export interface TransferRequest {
  server: DnsServer;
  zone: string;
  key?: TsigKey;
  /** Deadline of the whole transfer: connect, every message, the closing SOA. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What an answer code means to whoever runs the server (RFC 5936 §2.2.1, RFC 8945 §5.3). */
const RCODE_HINTS: Record<string, string> = {
  REFUSED: 'the server does not allow this transfer (allow-transfer does not grant it to this key or address)',
  NOTAUTH: 'the server is not authoritative for the zone, or did not accept the signature',
  NXDOMAIN: 'the server has no such zone',
  SERVFAIL: 'the server failed to load or send the zone (see its log)',
  NOTIMP: 'the server does not do zone transfers',
  FORMERR: 'the server could not parse the request',
};

export class ZoneTransferError extends Error {
  constructor(
    message: string,
    /** Whether trying again later may help (a timeout, a dropped connection), or the setup is wrong. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ZoneTransferError';
  }
}

/** The request: one AXFR question for the zone, signed when a key is given. */
function request(zone: string, key?: TsigKey): { message: Buffer; verifier?: TsigStreamVerifier } {
  const unsigned = dnsPacket.encode({ type: 'query', id: newMessageId(), flags: 0, questions: [{ type: 'AXFR', name: zone, class: 'IN' }] });
  if (!key) return { message: unsigned };
  const signed = signMessage(unsigned, key);
  return { message: signed.message, verifier: new TsigStreamVerifier(key, signed.requestMac) };
}

/** Every record of the zone, the leading and closing SOA included once (the first). */
export function transferZone(req: TransferRequest): Promise<Answer[]> {
  const where = `${formatServer(req.server)} (zone ${req.zone})`;
  const { message, verifier } = request(req.zone, req.key);
  const id = message.readUInt16BE(0);

  return new Promise((resolve, reject) => {
    const records: Answer[] = [];
    let pending: Buffer = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect({ host: req.server.host, port: req.server.port });
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(records);
    };
    const timer = setTimeout(
      () => finish(new ZoneTransferError(`zone transfer from ${where} did not finish within ${req.timeoutMs} ms (${records.length} records so far)`, true)),
      req.timeoutMs,
    );
    const onAbort = () => finish(new ZoneTransferError(`zone transfer from ${where} was cancelled`, true));
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });

    /** Handles one message; true when it closed the transfer. */
    const take = (raw: Buffer): boolean => {
      if (raw.length < 12 || raw.readUInt16BE(0) !== id) throw new ZoneTransferError(`${where} answered with a message that is not a reply to the request`, true);
      const reply = dnsPacket.decode(raw) as Reply;
      const tsig = verifier?.next(raw);
      if (tsig && tsig.error !== 0) {
        throw new ZoneTransferError(`${where} refused the transfer: ${reply.rcode} (TSIG ${describeTsigError(tsig.error)})`, false);
      }
      if (reply.rcode !== 'NOERROR') {
        const hint = RCODE_HINTS[reply.rcode];
        throw new ZoneTransferError(`${where} answered ${reply.rcode}${hint ? ` (${hint})` : ''}`, !hint || reply.rcode === 'SERVFAIL');
      }
      if (tsig?.problem) throw new ZoneTransferError(`${where} sent a transfer that is not to be trusted: ${tsig.problem}`, false);
      for (const answer of reply.answers ?? []) {
        if (records.length === 0) {
          if (answer.type !== 'SOA') throw new ZoneTransferError(`${where} began the transfer with ${answer.type}, not the zone's SOA (RFC 5936 §2.2)`, false);
          records.push(answer);
          continue;
        }
        // The zone's SOA again closes the transfer (RFC 5936 §2.2).
        if (answer.type === 'SOA') {
          if (verifier && !verifier.complete) throw new ZoneTransferError(`${where} did not sign the last message of the transfer (RFC 8945 §5.3.1)`, false);
          return true;
        }
        records.push(answer);
      }
      return false;
    };

    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      try {
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          const size = pending.readUInt16BE(0);
          const raw = pending.subarray(2, 2 + size);
          pending = pending.subarray(2 + size);
          if (take(raw)) return finish();
        }
      } catch (err) {
        finish(err instanceof ZoneTransferError ? err : new ZoneTransferError(`${where} sent a message that cannot be read: ${(err as Error).message}`, true));
      }
    });
    socket.on('error', (err) => finish(new ZoneTransferError(`zone transfer from ${where}: ${err.message}`, true)));
    socket.on('end', () => finish(new ZoneTransferError(`${where} closed the connection before the end of the transfer (${records.length} records so far)`, true)));
  });
}

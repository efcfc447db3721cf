/**
 * Does anything answer TLS on a discovered endpoint? A zone lists every name, including mail
 * relays, old hosts and names of services that never spoke TLS on that port: those are listed
 * apart by `discover`, not treated as outages. One handshake per name, to the first address
 * that completes one, under a short deadline; nothing about the certificate is judged here.
 */
import tls from 'node:tls';
import net from 'node:net';
import type { Lookup } from '../verify/resolver.js';

export type TlsAnswer = { answered: true; address: string } | { answered: false; reason: string };

export interface AnswersTlsOptions {
  lookup: Lookup;
  /** Deadline of one connection attempt (connect and handshake). */
  timeoutMs: number;
}

export async function answersTls(host: string, port: number, opts: AnswersTlsOptions): Promise<TlsAnswer> {
  let addresses: string[];
  try {
    addresses = (await opts.lookup(host)).addresses;
  } catch (err) {
    return { answered: false, reason: (err as Error).message };
  }
  const reasons: string[] = [];
  for (const address of addresses) {
    const reason = await handshake(address, port, net.isIP(host) ? undefined : host, opts.timeoutMs);
    if (reason === undefined) return { answered: true, address };
    reasons.push(`${address}: ${reason}`);
  }
  return { answered: false, reason: reasons.join('; ') };
}

/** undefined when a TLS handshake completed, else why not. */
function handshake(address: string, port: number, servername: string | undefined, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: address, port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const done = (reason?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => done(`no TLS answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'ECONNRESET' ? 'connection reset (not TLS?)' : err.message));
    socket.once('close', () => done('closed before the TLS handshake'));
  });
}

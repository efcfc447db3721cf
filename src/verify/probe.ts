/**
 * The TLS probe: connect to one address with SNI, as a browser would, and read what is served.
 * Trust is not enforced at the handshake (a stale or broken certificate must still be read so it
 * can be reported); the chain is judged afterwards. Timeouts and refusals are results, not throws.
 */
import { X509Certificate } from 'node:crypto';
import dns from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { describeCertificate, type CertificateFacts } from '../pki/certificate.js';

export interface ProbeTarget {
  host: string;
  port: number;
  /** SNI to send; none for bare IP hosts without an explicit sni. */
  sni?: string;
  address: string;
  timeoutMs: number;
}

export interface ProbeResult {
  address: string;
  port: number;
  sni?: string;
  ok: boolean;
  /** Set when the handshake completed. */
  leaf?: CertificateFacts;
  /** Served chain below the leaf, in order, as PEM. */
  chainPem?: string[];
  leafPem?: string;
  error?: string;
  ms: number;
}

export function defaultSni(host: string, sni?: string): string | undefined {
  if (sni) return sni;
  return net.isIP(host) ? undefined : host;
}

/** Every address the host resolves to (A and AAAA), or the host itself when it is an address. */
export async function resolveAll(host: string): Promise<string[]> {
  if (net.isIP(host)) return [host];
  const found = await dns.lookup(host, { all: true, verbatim: true });
  return [...new Set(found.map((a) => a.address))];
}

export function probe(t: ProbeTarget): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<ProbeResult, 'ms' | 'address' | 'port' | 'sni'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ address: t.address, port: t.port, sni: t.sni, ms: Math.round(performance.now() - started), ...r });
    };
    const socket = tls.connect({
      host: t.address,
      port: t.port,
      servername: t.sni,
      rejectUnauthorized: false,
      // Ask for what a browser asks for; ALPN h2/http1.1 so servers pick their normal certificate.
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    const timer = setTimeout(() => finish({ ok: false, error: `no TLS handshake within ${t.timeoutMs} ms` }), t.timeoutMs);
    socket.once('secureConnect', () => {
      try {
        // Read the detailed chain first: on Node 20, calling getPeerX509Certificate() before
        // getPeerCertificate(true) leaves the latter empty (measured here).
        const chain = servedChain(socket);
        if (chain.length === 0) return finish({ ok: false, error: 'the server sent no certificate' });
        const [leafPem, ...rest] = chain;
        finish({ ok: true, leaf: describeCertificate(new X509Certificate(leafPem)), leafPem, chainPem: rest });
      } catch (err) {
        finish({ ok: false, error: `cannot read the served certificate: ${(err as Error).message}` });
      }
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: describeSocketError(err) }));
  });
}

/** The certificates the server sent, leaf first, as PEM. */
function servedChain(socket: tls.TLSSocket): string[] {
  const out: string[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(new X509Certificate(cert.raw).toString());
    const next = cert.issuerCertificate;
    if (!next || next === cert) break;
    cert = next;
  }
  return out;
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset during the TLS handshake';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'address unreachable';
    default:
      return err.code ? `${err.code}: ${err.message}` : err.message;
  }
}

/**
 * The TLS probe: connect to one address with SNI, as a client would, and read what is served.
 * Trust is not enforced at the handshake (a stale or broken certificate must still be read so it
 * can be reported); the chain is judged afterwards (checks.ts). Timeouts, refusals and failed
 * STARTTLS dialogues are results, never throws.
 */
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { describeCertificate, type CertificateFacts } from '../pki/certificate.js';
import type { ClientProfile, ProfileName } from './profiles.js';
import { createResolver } from './resolver.js';
import { startTls, type StartTlsProtocol } from './starttls.js';

export interface ProbeTarget {
  host: string;
  port: number;
  /** SNI to send; none for bare IP hosts without an explicit sni. */
  sni?: string;
  address: string;
  timeoutMs: number;
  /** Speak this protocol's plaintext upgrade before the handshake. */
  starttls?: StartTlsProtocol;
  /** The ClientHello to send (profiles.ts); Node's default when absent. */
  profile?: ClientProfile;
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
  /** The served certificates, leaf first (parsed once, for the checks). */
  certs?: X509Certificate[];
  error?: string;
  /** The error's code (ERR_SSL_…, ECONNRESET…), to tell a refused hello from a failure (profiles.ts). */
  code?: string;
  /** The client profile the probe used, when one was given. */
  profile?: ProfileName;
  /** Something to know about a connection whose certificate was read (see readBeforeAlert). */
  note?: string;
  /** How far the connection got: a timeout after TCP connected is a server that never speaks TLS. */
  stage?: 'connect' | 'starttls' | 'handshake' | 'done';
  ms: number;
}

export function defaultSni(host: string, sni?: string): string | undefined {
  if (sni) return sni;
  return net.isIP(host) ? undefined : host;
}

/** Every address the host resolves to (A and AAAA) with the system resolver, or the host itself when it is an address. */
export async function resolveAll(host: string): Promise<string[]> {
  return createResolver()(host);
}

const sharedContexts = new Map<string, tls.SecureContext>();

/**
 * One client context per profile for every probe: without it Node builds one per connection
 * (~0.12 ms each, 4% of an idle run over 1,000 certificates). Probes trust nothing at the
 * handshake and present no client certificate, so every probe of a profile would get the same one.
 */
function probeContext(profile?: ClientProfile): tls.SecureContext {
  const key = profile?.name ?? 'default';
  let context = sharedContexts.get(key);
  if (!context) sharedContexts.set(key, (context = tls.createSecureContext(profile?.options)));
  return context;
}

export function probe(t: ProbeTarget): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let stage: NonNullable<ProbeResult['stage']> = 'connect';
    let raw: net.Socket | undefined;
    let secure: tls.TLSSocket | undefined;
    const finish = (r: Omit<ProbeResult, 'ms' | 'address' | 'port' | 'sni' | 'stage' | 'profile'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure?.destroy();
      raw?.destroy();
      // Copy descriptors, not values: the PEM getters stay lazy.
      const base = { address: t.address, port: t.port, sni: t.sni, ...(t.profile ? { profile: t.profile.name } : {}), stage, ms: Math.round(performance.now() - started) };
      resolve(Object.defineProperties(base, Object.getOwnPropertyDescriptors(r)) as ProbeResult);
    };
    const onError = (err: NodeJS.ErrnoException) => finish({ ok: false, error: describeSocketError(err, stage), code: err.code });
    const timer = setTimeout(() => finish({ ok: false, error: describeTimeout(stage, t) }), t.timeoutMs);

    const handshake = (options: tls.ConnectionOptions) => {
      stage = 'handshake';
      secure = tls.connect({
        ...options,
        servername: t.sni,
        rejectUnauthorized: false,
        secureContext: probeContext(t.profile),
        // HTTPS: ask for what a browser asks for, so servers pick their normal certificate.
        ...(t.starttls ? {} : { ALPNProtocols: ['h2', 'http/1.1'] }),
      });
      secure.once('secureConnect', () => {
        stage = 'done';
        try {
          const certs = servedChain(secure!);
          if (certs.length === 0) return finish({ ok: false, error: 'the server sent no certificate' });
          const [leaf, ...rest] = certs;
          finish(withPem({ ok: true, leaf: describeCertificate(leaf), certs }, leaf, rest));
        } catch (err) {
          finish({ ok: false, error: `cannot read the served certificate: ${(err as Error).message}` });
        }
      });
      secure.once('error', (err: NodeJS.ErrnoException) => {
        const read = readBeforeAlert(secure!, err);
        if (read) stage = 'done';
        finish(read ?? { ok: false, error: describeSocketError(err, stage), code: err.code });
      });
    };

    if (!t.starttls) {
      handshake({ host: t.address, port: t.port });
      // The TLS socket reports the TCP connection too, which tells a dead port from a mute server.
      secure!.once('connect', () => (stage = 'handshake'));
      stage = 'connect';
      return;
    }
    const protocol = t.starttls;
    raw = net.connect({ host: t.address, port: t.port });
    raw.once('error', onError);
    raw.once('connect', () => {
      stage = 'starttls';
      startTls(raw!, protocol).then(
        () => {
          if (settled) return;
          raw!.off('error', onError);
          handshake({ socket: raw! });
        },
        (err: Error) => finish({ ok: false, error: err.message }),
      );
    });
  });
}

/**
 * The certificates the server sent, leaf first. getPeerX509Certificate() walks the chain the peer
 * sent (its issuerCertificate links come from that chain only) and is far cheaper than
 * getPeerCertificate(true), which converts every certificate to a JS object (about 1 ms each,
 * measured here; it dominated a 1,000-address sweep).
 */
function servedChain(socket: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert = socket.getPeerX509Certificate();
  while (cert && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(cert);
    cert = cert.issuerCertificate;
  }
  return out;
}

/**
 * Alerts a server sends when it wants a client certificate it did not get (RFC 8446 §6.2:
 * certificate_required; TLS 1.2 servers such as `openssl s_server -Verify 1` send
 * handshake_failure) or does not like the one it got.
 */
const CLIENT_CERTIFICATE_ALERTS: Record<string, string> = {
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'handshake failure',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'bad certificate',
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: 'unsupported certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'certificate unknown',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'unknown CA',
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: 'access denied',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'certificate required',
};

/**
 * A server that requires a client certificate still shows its own: the probe answers its
 * CertificateRequest with an empty Certificate (OpenSSL does, as browsers do), and the server then
 * ends the handshake with an alert. In TLS 1.2 that comes before the client's handshake is
 * complete, so there is no secureConnect, but the server's Certificate arrived in clear before it
 * and OpenSSL still holds it (measured with `openssl s_server -tls1_2 -Verify 1`: the error is
 * "sslv3 alert handshake failure" and getPeerX509Certificate() returns the served leaf). TLS 1.3
 * clients finish first and read the alert afterwards, so they never get here.
 *
 * Read only when the server proved it holds the certificate's key before that: with an (EC)DHE key
 * exchange its ServerKeyExchange is signed with that key and checked before the client answers. An
 * alert of our own (a bad signature) or an RSA key exchange stays a failure.
 */
function readBeforeAlert(socket: tls.TLSSocket, err: NodeJS.ErrnoException): Omit<ProbeResult, 'ms' | 'address' | 'port' | 'sni' | 'stage'> | undefined {
  const alert = err.code ? CLIENT_CERTIFICATE_ALERTS[err.code] : undefined;
  if (!alert) return undefined;
  try {
    if (!/^(?:ECDHE|DHE)-/.test(socket.getCipher()?.name ?? '')) return undefined;
    const certs = servedChain(socket);
    if (certs.length === 0) return undefined;
    const [leaf, ...rest] = certs;
    const note = `the server ended the handshake with "${alert}" after sending its certificate (it requires a client certificate and the probe sends none); the certificate was read from the handshake`;
    return withPem({ ok: true, leaf: describeCertificate(leaf), certs, note }, leaf, rest);
  } catch {
    return undefined;
  }
}

/** PEM only when someone reads it: a sweep of many addresses never does. */
function withPem<T extends object>(r: T, leaf: X509Certificate, rest: X509Certificate[]): T & { leafPem: string; chainPem: string[] } {
  return Object.defineProperties(r, {
    leafPem: { enumerable: true, get: () => leaf.toString() },
    chainPem: { enumerable: true, get: () => rest.map((c) => c.toString()) },
  }) as T & { leafPem: string; chainPem: string[] };
}

function describeTimeout(stage: ProbeResult['stage'], t: ProbeTarget): string {
  switch (stage) {
    case 'connect':
      return `no TCP connection within ${t.timeoutMs} ms`;
    case 'starttls':
      return `the ${t.starttls?.toUpperCase()} STARTTLS dialogue did not finish within ${t.timeoutMs} ms`;
    default:
      return `connected, but no TLS handshake within ${t.timeoutMs} ms`;
  }
}

function describeSocketError(err: NodeJS.ErrnoException, stage: ProbeResult['stage']): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return stage === 'connect' ? 'connection reset' : 'connection reset during the TLS handshake';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'address unreachable';
    case 'EADDRNOTAVAIL':
      return 'address not available on this host';
    default:
      if (!err.code && /socket disconnected before secure TLS connection/i.test(err.message)) return 'the server closed the connection during the TLS handshake';
      return err.code ? `${err.code}: ${err.message}` : err.message;
  }
}

/**
 * Real TLS endpoints on loopback for verification tests: Node TLS servers on chosen addresses
 * (127.0.0.2, 127.0.0.3, ::1 all route to lo on Linux), a server that accepts TCP and never speaks
 * TLS, and minimal STARTTLS responders that speak each protocol's real upgrade dialogue.
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { StartTlsProtocol } from '../../src/verify/starttls.js';

export interface Served {
  /** Leaf then intermediates (what the server sends). */
  certPem: string;
  keyPem: string;
}

export interface TestServer {
  host: string;
  port: number;
  /** Connections accepted so far. */
  connections: number;
  stop(): Promise<void>;
}

/**
 * Where a server's certificate comes from: fixed PEM, files re-read on every connection (a server
 * that reloads), or a function asked on every connection (a server whose answer changes).
 */
export type Source = Served | { certFile: string; keyFile: string } | (() => Served);

function current(source: Source): Served {
  if (typeof source === 'function') return source();
  if ('certPem' in source) return source;
  return { certPem: fs.readFileSync(source.certFile, 'utf8'), keyPem: fs.readFileSync(source.keyFile, 'utf8') };
}

function context(source: Source): tls.SecureContext {
  const { certPem, keyPem } = current(source);
  return tls.createSecureContext({ cert: certPem, key: keyPem });
}

function track(server: net.Server, host: string, port: number): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const result: TestServer = {
    host,
    port,
    connections: 0,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (s: net.Socket) => {
    result.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      result.port = (server.address() as net.AddressInfo).port;
      resolve(result);
    });
  });
}

/** An HTTPS-like TLS server on host:port (port 0 = any) serving `source` whatever the SNI. */
export function startTlsServer(host: string, source: Source, port = 0): Promise<TestServer> {
  const server = tls.createServer({
    ...current(source),
    cert: current(source).certPem,
    key: current(source).keyPem,
    SNICallback: (_name, cb) => {
      try {
        cb(null, context(source));
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  server.on('tlsClientError', () => {});
  return track(server, host, port);
}

/** Accepts TCP and never says a word: a hung backend, a firewall that half-opens, a wrong port. */
export function startMuteServer(host = '127.0.0.1'): Promise<TestServer> {
  return track(net.createServer(() => {}), host, 0);
}

export interface StartTlsServerOptions {
  /** SMTP: advertise STARTTLS in EHLO (default true). Others: accept the upgrade (default true). */
  offer?: boolean;
}

/**
 * A minimal server for `protocol` that speaks the real plaintext dialogue (greeting, capability,
 * upgrade command and its positive answer), then TLS with `source` on the same connection.
 */
export function startStartTlsServer(protocol: StartTlsProtocol, source: Source, opts: StartTlsServerOptions = {}, host = '127.0.0.1'): Promise<TestServer> {
  const offer = opts.offer ?? true;
  const server = net.createServer((socket) => {
    const upgrade = () => {
      socket.removeAllListeners('data');
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context(source) });
      secure.on('error', () => {});
      secure.on('data', () => {});
    };
    if (protocol === 'postgres') {
      socket.once('data', (d: Buffer) => {
        const isSslRequest = d.length === 8 && d.readInt32BE(0) === 8 && d.readInt32BE(4) === 80877103;
        if (!isSslRequest || !offer) return void socket.end('N');
        socket.write('S', upgrade);
      });
      return;
    }
    const greeting: Record<Exclude<StartTlsProtocol, 'postgres'>, string> = {
      smtp: '220 mx.test ESMTP certloop-test\r\n',
      imap: '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] certloop-test ready\r\n',
      pop3: '+OK certloop-test POP3 ready\r\n',
      ftp: '220-certloop-test FTP\r\n220 ready\r\n',
    };
    socket.write(greeting[protocol]);
    let buffer = '';
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const answer = respond(protocol, line, offer);
        if (!answer) continue;
        if (answer.upgrade) return void socket.write(answer.text, upgrade);
        socket.write(answer.text);
      }
    });
  });
  return track(server, host, 0);
}

function respond(protocol: StartTlsProtocol, line: string, offer: boolean): { text: string; upgrade?: boolean } | undefined {
  const text = plain(protocol, line, offer);
  if (!text) return undefined;
  return { text, upgrade: offer && /^(220 2\.0\.0|\S+ OK Begin|\+OK Begin|234 )/.test(text) };
}

function plain(protocol: StartTlsProtocol, line: string, offer: boolean): string | undefined {
  const cmd = line.toUpperCase();
  switch (protocol) {
    case 'smtp':
      if (cmd.startsWith('EHLO ')) return `250-mx.test greets ${line.slice(5)}\r\n250-PIPELINING\r\n${offer ? '250-STARTTLS\r\n' : ''}250 8BITMIME\r\n`;
      if (cmd === 'STARTTLS') return offer ? '220 2.0.0 Ready to start TLS\r\n' : '502 5.5.1 not supported\r\n';
      return '500 5.5.2 unrecognised\r\n';
    case 'imap': {
      const [tag, command] = line.split(' ');
      if (command?.toUpperCase() === 'STARTTLS') return offer ? `${tag} OK Begin TLS negotiation now\r\n` : `${tag} BAD STARTTLS not available\r\n`;
      return `${tag} BAD unknown command\r\n`;
    }
    case 'pop3':
      if (cmd === 'STLS') return offer ? '+OK Begin TLS negotiation\r\n' : '-ERR not supported\r\n';
      return '-ERR unknown\r\n';
    case 'ftp':
      if (cmd === 'AUTH TLS') return offer ? '234 AUTH TLS successful\r\n' : '504 not supported\r\n';
      return '500 unknown\r\n';
    default:
      return undefined;
  }
}

/** A loopback port nothing listens on (connection refused). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const s = await track(net.createServer(), host, 0);
  await s.stop();
  return s.port;
}

/**
 * STARTTLS: the plaintext dialogue that turns a mail, file-transfer or database connection into a
 * TLS one, so the certificate a mail server or PostgreSQL presents is verified like an HTTPS one.
 * Each function speaks one protocol's upgrade and resolves when the server expects the TLS
 * ClientHello; the caller then starts TLS on the same socket.
 *
 * - SMTP (RFC 3207): 220 greeting, EHLO, STARTTLS must be advertised, STARTTLS → 220.
 * - IMAP (RFC 9051 §6.2.1 / RFC 3501): "* OK" greeting, "a001 STARTTLS" → "a001 OK".
 * - POP3 (RFC 2595 §4): "+OK" greeting, STLS → "+OK".
 * - FTP (RFC 4217 §4): 220 greeting, AUTH TLS → 234.
 * - PostgreSQL (protocol docs, "SSL Session Encryption"): SSLRequest packet (length 8, code
 *   80877103) → the single byte "S"; "N" means the server has no TLS.
 *
 * Bytes the server sends after its "go ahead" are refused: they would be plaintext injected ahead
 * of the handshake (RFC 3207 §6, the STARTTLS command injection class of bugs).
 */
import type net from 'node:net';
import os from 'node:os';
import type { StartTlsProtocol } from './schema.js';

// Declared with the settings (config/schema.ts lists them); here for the probe and the CLI.
export { STARTTLS_PROTOCOLS, type StartTlsProtocol } from './schema.js';

export class StartTlsError extends Error {
  constructor(
    readonly protocol: StartTlsProtocol,
    message: string,
  ) {
    super(`${protocol.toUpperCase()} STARTTLS: ${message}`);
    this.name = 'StartTlsError';
  }
}

/** Upgrades a connected plaintext socket; resolves when TLS may start on it. */
export async function startTls(socket: net.Socket, protocol: StartTlsProtocol): Promise<void> {
  const talk = new Dialogue(socket, protocol);
  try {
    await DIALOGUES[protocol](talk);
    talk.finish();
  } finally {
    talk.detach();
  }
}

const DIALOGUES: Record<StartTlsProtocol, (t: Dialogue) => Promise<void>> = {
  async smtp(t) {
    t.expectCode(await t.reply(), '220', 'greeting');
    t.send(`EHLO ${ehloName()}\r\n`);
    const ehlo = await t.reply();
    t.expectCode(ehlo, '250', 'EHLO');
    if (!ehlo.some((l) => /^250[ -]STARTTLS\s*$/i.test(l))) throw t.fail('the server does not offer STARTTLS in its EHLO reply');
    t.send('STARTTLS\r\n');
    t.expectCode(await t.reply(), '220', 'STARTTLS');
  },
  async imap(t) {
    const greeting = await t.line();
    if (!/^\* OK\b/i.test(greeting)) throw t.fail(`unexpected greeting "${clip(greeting)}"`);
    t.send('a001 STARTTLS\r\n');
    for (;;) {
      const l = await t.line();
      if (/^a001 OK\b/i.test(l)) return;
      if (/^a001 /i.test(l)) throw t.fail(`refused: "${clip(l)}"`);
      // Untagged lines (e.g. "* CAPABILITY ...") may come first.
    }
  },
  async pop3(t) {
    const greeting = await t.line();
    if (!greeting.startsWith('+OK')) throw t.fail(`unexpected greeting "${clip(greeting)}"`);
    t.send('STLS\r\n');
    const l = await t.line();
    if (!l.startsWith('+OK')) throw t.fail(`refused: "${clip(l)}"`);
  },
  async ftp(t) {
    t.expectCode(await t.reply(), '220', 'greeting');
    t.send('AUTH TLS\r\n');
    t.expectCode(await t.reply(), '234', 'AUTH TLS');
  },
  async postgres(t) {
    const request = Buffer.alloc(8);
    request.writeInt32BE(8, 0);
    request.writeInt32BE(80877103, 4);
    t.sendBytes(request);
    const answer = (await t.bytes(1)).toString('latin1');
    if (answer === 'N') throw t.fail('the server does not accept TLS (answered N to SSLRequest)');
    if (answer !== 'S') throw t.fail(`unexpected answer to SSLRequest: 0x${answer.charCodeAt(0).toString(16)}`);
  },
};

function ehloName(): string {
  const h = os.hostname();
  return /^[A-Za-z0-9.-]+$/.test(h) ? h : 'certloop.invalid';
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}

/** A line-oriented (or byte-counted) conversation over a plaintext socket. */
class Dialogue {
  private buffer = Buffer.alloc(0);
  private wake?: () => void;
  private ended?: string;
  private readonly onData = (d: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, d]);
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended ??= 'the server closed the connection';
    this.wake?.();
  };
  private readonly onError = (err: NodeJS.ErrnoException) => {
    this.ended = err.code === 'ECONNRESET' ? 'the server reset the connection' : err.message;
    this.wake?.();
  };

  constructor(
    private readonly socket: net.Socket,
    private readonly protocol: StartTlsProtocol,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onEnd);
  }

  fail(message: string): StartTlsError {
    return new StartTlsError(this.protocol, message);
  }

  send(text: string): void {
    this.socket.write(text, 'latin1');
  }

  sendBytes(b: Buffer): void {
    this.socket.write(b);
  }

  private async waitFor<T>(take: () => T | undefined, what: string): Promise<T> {
    for (;;) {
      const got = take();
      if (got !== undefined) return got;
      if (this.ended) throw this.fail(`${this.ended} while waiting for ${what}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** One line without its CRLF. */
  line(): Promise<string> {
    return this.waitFor(() => {
      const i = this.buffer.indexOf('\n');
      if (i < 0) {
        if (this.buffer.length > 64 * 1024) throw this.fail('line longer than 64 KiB');
        return undefined;
      }
      const text = this.buffer.subarray(0, i).toString('latin1').replace(/\r$/, '');
      this.buffer = this.buffer.subarray(i + 1);
      return text;
    }, 'a line from the server');
  }

  bytes(n: number): Promise<Buffer> {
    return this.waitFor(() => {
      if (this.buffer.length < n) return undefined;
      const out = this.buffer.subarray(0, n);
      this.buffer = this.buffer.subarray(n);
      return out;
    }, `${n} byte(s) from the server`);
  }

  /** A numeric reply (SMTP, FTP): "250-..." continuation lines up to "250 ...". */
  async reply(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.line();
      lines.push(l);
      if (/^\d{3}(?: |$)/.test(l)) return lines;
      if (!/^\d{3}-/.test(l) && this.protocol === 'smtp') throw this.fail(`malformed reply line "${clip(l)}"`);
      if (lines.length > 1000) throw this.fail('reply longer than 1000 lines');
    }
  }

  expectCode(lines: string[], code: string, what: string): void {
    const last = lines[lines.length - 1] ?? '';
    if (!last.startsWith(code)) throw this.fail(`${what} answered "${clip(last)}" (expected ${code})`);
  }

  /** The server must now wait for our ClientHello; anything already buffered is refused. */
  finish(): void {
    if (this.buffer.length > 0) throw this.fail('the server sent data after agreeing to start TLS (possible injection); refusing');
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onEnd);
  }
}

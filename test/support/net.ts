/** Small helpers for tests that start real servers on loopback. */
import dgram from 'node:dgram';
import net from 'node:net';

/**
 * A port that was free a moment ago on 127.0.0.1. Node servers never need this: they listen on
 * port 0 and read `server.address().port`, and so do Azurite and the certloop daemon, which say
 * where they listen. It is for the servers that cannot bind port 0 and report the port they got
 * (nginx, Pebble, pebble-challtestsrv, BIND: each is told a number in its config), started
 * through `retryWhenPortTaken`, because another process may take the port before they bind it;
 * and for a port one program must be told before another binds it (Pebble's http-01 port, where
 * certloop's solver listens later).
 */
export function freePort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  if (kind === 'udp') {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** How nginx, Go (Pebble), BIND and Node say that a port is taken. */
export const PORT_TAKEN = /address already in use|address in use|EADDRINUSE/i;

/**
 * Starts a server that binds ports picked by `freePort` (see there), again with new ports when
 * another process took one first: `start` picks its ports on every attempt and throws an error
 * whose message says the port was in use (PORT_TAKEN) when that is why it failed.
 */
export async function retryWhenPortTaken<T>(what: string, start: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= attempts || !PORT_TAKEN.test(message)) throw err;
      process.stderr.write(`${what}: a port was taken before it could bind it; starting again with new ports (attempt ${attempt + 1} of ${attempts})\n`);
    }
  }
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Sends `request` as it is on a raw socket to 127.0.0.1:port and resolves with the status line of
 * the answer ('' when the connection closed without one): for requests fetch refuses to send.
 */
export function rawHttpStatus(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) s.destroy();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got.split('\r\n')[0]));
    s.write(request);
    setTimeout(() => s.destroy(), 3000).unref();
  });
}

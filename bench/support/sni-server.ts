/**
 * One TLS server for many certificates: picks the files by SNI on every handshake (no cache), so
 * what it serves is whatever the file target last wrote, like a server that reloads instantly.
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

export interface SniServer {
  port: number;
  close(): Promise<void>;
}

/** `liveDir/<name>/fullchain.pem` and `privkey.pem`, chosen by `nameForSni(sni)`. */
export function startSniServer(liveDir: string, nameForSni: (sni: string) => string | undefined, host = '127.0.0.1', port = 0): Promise<SniServer> {
  const server = tls.createServer({
    SNICallback: (sni, cb) => {
      const name = nameForSni(sni);
      if (!name) return cb(new Error(`unknown SNI ${sni}`));
      try {
        const dir = path.join(liveDir, name);
        cb(null, tls.createSecureContext({ cert: fs.readFileSync(path.join(dir, 'fullchain.pem')), key: fs.readFileSync(path.join(dir, 'privkey.pem')) }));
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  server.on('secureConnection', (s) => s.end());
  server.on('tlsClientError', () => undefined);
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const port = (server.address() as { port: number }).port;
      resolve({ port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

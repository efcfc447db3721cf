/**
 * One TLS server for many certificates: picks the files by SNI on every handshake, so what it
 * serves is whatever the file target last wrote, like a server that reloads instantly. The secure
 * context is kept while both files are unchanged (size and mtime), as a real server keeps its
 * certificates loaded: building one per handshake (~1 ms) made this server, not the client being
 * measured, the bottleneck of a 1,000-endpoint sweep.
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
  const contexts = new Map<string, { stamp: string; context: tls.SecureContext }>();
  const server = tls.createServer({
    SNICallback: (sni, cb) => {
      const name = nameForSni(sni);
      if (!name) return cb(new Error(`unknown SNI ${sni}`));
      try {
        const dir = path.join(liveDir, name);
        const files = [path.join(dir, 'fullchain.pem'), path.join(dir, 'privkey.pem')];
        const stamp = files.map((f) => { const st = fs.statSync(f); return `${st.size}:${st.mtimeMs}:${st.ino}`; }).join('|');
        let hit = contexts.get(name);
        if (!hit || hit.stamp !== stamp) {
          hit = { stamp, context: tls.createSecureContext({ cert: fs.readFileSync(files[0]), key: fs.readFileSync(files[1]) }) };
          contexts.set(name, hit);
        }
        cb(null, hit.context);
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

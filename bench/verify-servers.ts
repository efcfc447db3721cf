/**
 * The endpoints for bench/verify.ts, in their own process so the servers' handshake work does not
 * share the measuring process's event loop: one Node TLS server per loopback address
 * 127.0.0.1..127.0.0.N, all serving the same ECDSA P-256 certificate. Reports the ports over IPC.
 */
import fs from 'node:fs';
import tls from 'node:tls';

const [certFile, keyFile, count] = process.argv.slice(2);
const cert = fs.readFileSync(certFile);
const key = fs.readFileSync(keyFile);
const servers: tls.Server[] = [];
const endpoints: { address: string; port: number }[] = [];
for (let i = 1; i <= Number(count); i++) {
  const address = `127.0.0.${i}`;
  const server = tls.createServer({ cert, key });
  server.on('tlsClientError', () => {});
  server.on('secureConnection', (s) => {
    s.on('error', () => {});
    s.end();
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  servers.push(server);
  endpoints.push({ address, port: (server.address() as { port: number }).port });
}
process.send!({ endpoints });
process.on('disconnect', () => {
  for (const s of servers) s.close();
  process.exit(0);
});

/**
 * bench/verify's endpoints served by a real nginx (Debian package): one server on
 * 127.0.0.1..127.0.0.N, same port, same ECDSA P-256 certificate, worker processes = cores. What
 * a sweep meets in production is a C server, not a Node one: with the Node servers the single
 * server process, not the client being measured, set the pace.
 */
import { freePort } from '../../test/support/net.js';
import { startBenchNginx } from './bench-nginx.js';

export interface NginxEndpoints {
  endpoints: { address: string; port: number }[];
  stop(): void;
}

export async function startNginxEndpoints(dir: string, cert: string, key: string, count: number): Promise<NginxEndpoints> {
  const port = await freePort();
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
  const nginx = await startBenchNginx(
    dir,
    ['  server {', ...addresses.map((a) => `    listen ${a}:${port} ssl;`), `    ssl_certificate ${cert};`, `    ssl_certificate_key ${key};`, '    return 200 "ok\\n";', '  }'],
    { waitPorts: [port], waitMs: 5000 },
  );
  return { endpoints: addresses.map((address) => ({ address, port })), stop: nginx.stop };
}

/**
 * bench/verify's endpoints served by a real nginx (Debian package): one server on
 * 127.0.0.1..127.0.0.N, same port, same ECDSA P-256 certificate, worker processes = cores. What
 * a sweep meets in production is a C server, not a Node one: with the Node servers the single
 * server process, not the client being measured, set the pace.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nginxBinary } from '../../test/support/nginx.js';
import { canConnect, freePort, waitFor } from '../../test/support/net.js';

export interface NginxEndpoints {
  endpoints: { address: string; port: number }[];
  stop(): void;
}

export async function startNginxEndpoints(dir: string, cert: string, key: string, count: number): Promise<NginxEndpoints> {
  const bin = nginxBinary();
  const prefix = path.join(dir, 'nginx');
  fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const port = await freePort();
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
  const temp = (name: string) => `  ${name}_temp_path ${path.join(prefix, `tmp-${name}`)};`;
  fs.writeFileSync(
    path.join(prefix, 'nginx.conf'),
    [
      'worker_processes auto;',
      `pid ${path.join(prefix, 'nginx.pid')};`,
      process.getuid?.() === 0 ? 'user root;' : '',
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
      '  server {',
      ...addresses.map((a) => `    listen ${a}:${port} ssl;`),
      `    ssl_certificate ${cert};`,
      `    ssl_certificate_key ${key};`,
      '    return 200 "ok\\n";',
      '  }',
      '}',
    ].join('\n'),
  );
  const args = ['-p', prefix, '-e', path.join(prefix, 'logs', 'error.log'), '-c', 'nginx.conf'];
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nginx did not start: ${r.stderr}`);
  await waitFor(() => canConnect(port), 5000, `nginx on port ${port}`);
  return {
    endpoints: addresses.map((address) => ({ address, port })),
    stop: () => void spawnSync(bin, [...args, '-s', 'stop']),
  };
}

/**
 * bench/watch's fleet: one nginx (Debian package) on 127.0.0.1 with `ports` ports, each with
 * `names` server names, every server holding the same ECDSA P-256 certificate (a wildcard per
 * port, *.p<j>.watch.bench): ports × names endpoints, each reached with its own SNI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nginxBinary } from '../../test/support/nginx.js';
import { canConnect, freePort, waitFor } from '../../test/support/net.js';

export interface Fleet {
  endpoints: { name: string; sni: string; port: number }[];
  /** The CA that signed the certificate (PEM file), for `trust`. */
  ca: string;
  stop(): void;
}

export async function startFleet(dir: string, ports: number, names: number): Promise<Fleet> {
  const { ca, cert, key } = fleetCertificate(dir, ports);
  const bin = nginxBinary();
  const prefix = path.join(dir, 'nginx');
  fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const portList: number[] = [];
  for (let i = 0; i < ports; i++) portList.push(await freePort());
  const endpoints = portList.flatMap((port, p) => Array.from({ length: names }, (_, n) => ({ name: `e${p}-${n}`, sni: `n${n}.p${p}.watch.bench`, port })));
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
      '  server_names_hash_max_size 65536;',
      '  server_names_hash_bucket_size 128;',
      `  ssl_certificate ${cert};`,
      `  ssl_certificate_key ${key};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
      // One server per port holding every name of that port: nginx picks by SNI among them the
      // same way it would among separate server blocks, and the config stays small.
      ...portList.map((port, p) => `  server { listen 127.0.0.1:${port} ssl; server_name ${Array.from({ length: names }, (_, n) => `n${n}.p${p}.watch.bench`).join(' ')}; return 200 "ok\\n"; }`),
      '}',
    ].join('\n'),
  );
  const args = ['-p', prefix, '-e', path.join(prefix, 'logs', 'error.log'), '-c', 'nginx.conf'];
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nginx did not start: ${r.stderr}`);
  await Promise.all(portList.map((port) => waitFor(() => canConnect(port), 10_000, `nginx on port ${port}`)));
  return { endpoints, ca, stop: () => void spawnSync(bin, [...args, '-s', 'stop']) };
}

function fleetCertificate(dir: string, ports: number): { ca: string; cert: string; key: string } {
  const f = (n: string) => path.join(dir, n);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '90', '-subj', '/CN=certloop bench watch CA']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('fleet.key'), '-out', f('fleet.csr'), '-subj', '/CN=watch.bench']);
  // Names are n<i>.p<j>.watch.bench: a wildcard covers one label only, so one per port.
  const sans = Array.from({ length: ports }, (_, p) => `DNS:*.p${p}.watch.bench`).join(',');
  fs.writeFileSync(f('fleet.ext'), `subjectAltName=${sans}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  run(['x509', '-req', '-in', f('fleet.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('fleet.pem'), '-days', '90', '-extfile', f('fleet.ext')]);
  return { ca: f('ca.pem'), cert: f('fleet.pem'), key: f('fleet.key') };
}

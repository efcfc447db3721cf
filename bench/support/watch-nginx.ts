/**
 * bench/watch's fleet: one nginx (Debian package) on 127.0.0.1 with `ports` ports, each with
 * `names` server names, every server holding the same ECDSA P-256 certificate (a wildcard per
 * port, *.p<j>.watch.bench): ports × names endpoints, each reached with its own SNI.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../test/support/net.js';
import { startBenchNginx } from './bench-nginx.js';

export interface Fleet {
  endpoints: { name: string; sni: string; port: number }[];
  /** The CA that signed the certificate (PEM file), for `trust`. */
  ca: string;
  stop(): void;
}

export async function startFleet(dir: string, ports: number, names: number): Promise<Fleet> {
  const { ca, cert, key } = fleetCertificate(dir, ports);
  const portList: number[] = [];
  for (let i = 0; i < ports; i++) portList.push(await freePort());
  const endpoints = portList.flatMap((port, p) => Array.from({ length: names }, (_, n) => ({ name: `e${p}-${n}`, sni: `n${n}.p${p}.watch.bench`, port })));
  const nginx = await startBenchNginx(
    dir,
    [
      '  server_names_hash_max_size 65536;',
      '  server_names_hash_bucket_size 128;',
      `  ssl_certificate ${cert};`,
      `  ssl_certificate_key ${key};`,
      // One server per port holding every name of that port: nginx picks by SNI among them the
      // same way it would among separate server blocks, and the config stays small.
      ...portList.map((port, p) => `  server { listen 127.0.0.1:${port} ssl; server_name ${Array.from({ length: names }, (_, n) => `n${n}.p${p}.watch.bench`).join(' ')}; return 200 "ok\\n"; }`),
    ],
    { waitPorts: portList, waitMs: 10_000 },
  );
  return { endpoints, ca, stop: nginx.stop };
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

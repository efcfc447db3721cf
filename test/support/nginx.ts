/**
 * A real nginx (Debian package) on loopback, unprivileged-style with its own prefix, serving the
 * files a file target writes. Reloaded by certloop's reload command like a production server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { canConnect, freePort, retryWhenPortTaken, waitFor } from './net.js';

/**
 * A port in nginx's config: a number, or a name for a port startNginx picks (servers and pools
 * naming the same one share it; `Nginx.ports` says which number it got). nginx cannot listen on
 * port 0 and report the port, so named ports are picked free and nginx started again with new
 * ones if another process took one first (net.ts).
 */
export type PortRef = number | string;

export interface NginxServer {
  server_name: string;
  port: PortRef;
  cert: string;
  key: string;
  /** Further certificate/key pairs served beside the first (nginx picks one per client: ECDSA + RSA). */
  more?: { cert: string; key: string }[];
  /** ssl_protocols (default: nginx's own; Debian's 1.22 offers TLSv1–TLSv1.2, no TLS 1.3). */
  protocols?: string;
  /** Addresses to listen on (default 127.0.0.1), e.g. ["127.0.0.1", "::1"] for an IP certificate. */
  addresses?: string[];
}

/** A TCP load balancer: nginx `stream` round robin from `port` over `backends` (TLS passes through). */
export interface StreamPool {
  port: PortRef;
  backends: { host: string; port: PortRef }[];
}

export const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export interface Nginx {
  prefix: string;
  /** argv for certloop's reload command. */
  reloadCommand: string[];
  /** The port each named PortRef got. */
  ports: Record<string, number>;
  stop(): void;
}

export function nginxBinary(): string {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (fs.existsSync(p)) return p;
  throw new Error('nginx is not installed: run `apt-get install -y nginx` (scripts/test.sh does this as root)');
}

/** A self-signed placeholder so nginx can start before certloop's first deploy (ECDSA, or RSA for a second slot). */
export function writePlaceholder(cert: string, key: string, cn = 'placeholder.invalid', type: 'ec' | 'rsa' = 'ec'): void {
  fs.mkdirSync(path.dirname(cert), { recursive: true });
  fs.mkdirSync(path.dirname(key), { recursive: true });
  const keyArgs = type === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${cn}`], { stdio: 'pipe' });
}

export async function startNginx(prefix: string, servers: NginxServer[], pools: StreamPool[] = []): Promise<Nginx> {
  const bin = nginxBinary();
  if (pools.length > 0 && !fs.existsSync(STREAM_MODULE)) throw new Error('the nginx stream module is not installed: apt-get install -y libnginx-mod-stream (scripts/ensure-deps.sh does this)');
  fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const refs = [...servers.map((s) => s.port), ...pools.flatMap((p) => [p.port, ...p.backends.map((b) => b.port)])];
  return retryWhenPortTaken(`nginx in ${prefix}`, async () => {
    const ports: Record<string, number> = {};
    for (const ref of refs) if (typeof ref === 'string' && !(ref in ports)) ports[ref] = await freePort();
    const port = (ref: PortRef) => (typeof ref === 'number' ? ref : ports[ref]);
    const conf = [
      pools.length > 0 ? `load_module ${STREAM_MODULE};` : '',
      'worker_processes 1;',
      `pid ${path.join(prefix, 'nginx.pid')};`,
      `error_log ${path.join(prefix, 'logs', 'error.log')} warn;`,
      process.getuid?.() === 0 ? 'user root;' : '',
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${path.join(prefix, 'tmp-body')};`,
      `  proxy_temp_path ${path.join(prefix, 'tmp-proxy')};`,
      `  fastcgi_temp_path ${path.join(prefix, 'tmp-fastcgi')};`,
      `  uwsgi_temp_path ${path.join(prefix, 'tmp-uwsgi')};`,
      `  scgi_temp_path ${path.join(prefix, 'tmp-scgi')};`,
      ...servers.map((s) =>
        [
          '  server {',
          ...(s.addresses ?? ['127.0.0.1']).map((a) => `    listen ${a.includes(':') ? `[${a}]` : a}:${port(s.port)} ssl;`),
          `    server_name ${s.server_name};`,
          s.protocols ? `    ssl_protocols ${s.protocols};` : '',
          ...[{ cert: s.cert, key: s.key }, ...(s.more ?? [])].map((c) => `    ssl_certificate ${c.cert};\n    ssl_certificate_key ${c.key};`),
          '    return 200 "ok\\n";',
          '  }',
        ].join('\n'),
      ),
      '}',
      ...(pools.length > 0
        ? [
            'stream {',
            ...pools.map((pool, i) =>
              [
                `  upstream pool${i} {`,
                ...pool.backends.map((b) => `    server ${b.host.includes(':') ? `[${b.host}]` : b.host}:${port(b.port)};`),
                '  }',
                `  server { listen 127.0.0.1:${port(pool.port)}; proxy_pass pool${i}; }`,
              ].join('\n'),
            ),
            '}',
          ]
        : []),
    ].join('\n');
    fs.writeFileSync(path.join(prefix, 'nginx.conf'), conf);
    const args = ['-p', prefix, '-e', path.join(prefix, 'logs', 'error.log'), '-c', 'nginx.conf'];
    // nginx binds its ports before it goes to the background: a taken port fails right here.
    const r = spawnSync(bin, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`nginx did not start: ${r.stderr}`);
    // Wait for the servers only: a test connection to a pool would move its round robin.
    await Promise.all(servers.map((s) => waitFor(() => canConnect(port(s.port)), 5000, `nginx on port ${port(s.port)}`)));
    if (pools.length > 0) await waitFor(() => fs.existsSync(path.join(prefix, 'nginx.pid')), 5000, 'nginx pid file');
    return {
      prefix,
      reloadCommand: [bin, ...args, '-s', 'reload'],
      ports,
      stop() {
        // By pid, not `nginx -s stop`: that parses the configuration first and fails (leaving nginx
        // running) when a test left it pointing at a certificate and key that do not match.
        const pidFile = path.join(prefix, 'nginx.pid');
        const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : NaN);
        if (Number.isInteger(pid) && pid > 0) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // Already gone.
          }
        } else spawnSync(bin, [...args, '-s', 'stop']);
        const deadline = Date.now() + 5000;
        while (fs.existsSync(pidFile) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
      },
    };
  });
}

/**
 * One nginx (Debian package) for a bench, under `dir/nginx`: worker processes = cores, no access
 * log, temp paths inside the prefix; the caller gives the `http { }` lines. Started with the
 * config checked, then waited for on the ports the caller names.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nginxBinary } from '../../test/support/nginx.js';
import { canConnect, waitFor } from '../../test/support/net.js';

export async function startBenchNginx(dir: string, http: string[], opts: { waitPorts: number[]; waitMs: number }): Promise<{ stop(): void }> {
  const bin = nginxBinary();
  const prefix = path.join(dir, 'nginx');
  fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
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
      ...http,
      '}',
    ].join('\n'),
  );
  const args = ['-p', prefix, '-e', path.join(prefix, 'logs', 'error.log'), '-c', 'nginx.conf'];
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nginx did not start: ${r.stderr}`);
  await Promise.all(opts.waitPorts.map((port) => waitFor(() => canConnect(port), opts.waitMs, `nginx on port ${port}`)));
  return { stop: () => void spawnSync(bin, [...args, '-s', 'stop']) };
}

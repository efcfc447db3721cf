/**
 * The `file` watch source: an inventory exported from a CMDB or a spreadsheet, one `host[:port]`
 * per line. A CSV works as it is: only the first column counts, and a header row ("host", "name",
 * "fqdn" …) is passed over. Re-read on every sweep, so editing the file is enough.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import { CertloopError } from '../../../src/errors.js';
import type { DiscoveredEndpoint, WatchSource, WatchSourceFactory } from '../../../src/plugins.js';
import type { FileSourceConfig } from './schema.js';

const HEADER = /^(host|hostname|name|fqdn|endpoint|address|domain)$/i;

export const create: WatchSourceFactory<FileSourceConfig> = (config) => createFileSource(config);

export function createFileSource(config: FileSourceConfig): WatchSource {
  return {
    id: `file:${config.path}`,
    describe: () => `inventory file ${config.path}`,
    async list() {
      let text: string;
      try {
        text = await fs.readFile(config.path, 'utf8');
      } catch (err) {
        throw new CertloopError('SOURCE_FAILED', `watch source file ${config.path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err, retryable: true });
      }
      return parseInventory(text, config.path, config.port);
    },
  } satisfies WatchSource;
}

/** Every `host[:port]` of the text; a line that is neither one nor a comment throws, naming file and line. */
export function parseInventory(text: string, file: string, defaultPort: number): DiscoveredEndpoint[] {
  const out: DiscoveredEndpoint[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const first = raw.replace(/#.*$/, '').split(/[,;\t]/)[0].trim().replace(/^"(.*)"$/, '$1');
    if (first === '' || (out.length === 0 && HEADER.test(first))) return;
    const parsed = hostPort(first, defaultPort);
    if (!parsed) {
      throw new CertloopError('SOURCE_FAILED', `watch source file ${file}:${i + 1}: "${first}" is not host[:port] (a DNS name or an address, e.g. www.example.com:8443 or [2001:db8::1]:443)`, { retryable: false });
    }
    out.push({ ...parsed, origin: `file ${file}, line ${i + 1}` });
  });
  return out;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;

function hostPort(text: string, defaultPort: number): { host: string; port: number } | undefined {
  if (net.isIPv6(text)) return { host: text.toLowerCase(), port: defaultPort };
  const m = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const host = (m[1] ?? m[2]).toLowerCase().replace(/\.$/, '');
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (m[1] !== undefined ? !net.isIPv6(host) : net.isIP(host) === 0 && !HOST_NAME.test(host)) return undefined;
  return { host, port };
}

/**
 * `discover --write FILE`: the names nobody listed, appended to an inventory file in the format
 * the `file` watch source reads (one `host:port` a line, `#` comments). What the file holds is
 * kept as it is, comments and order included; names it lists already are not added again. The
 * file is replaced whole and atomically, so a sweep reading it sees the old or the new list.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import { writeFileAtomic } from '../util/atomic-file.js';
import { endpointKey } from './known.js';

export interface AppendResult {
  file: string;
  /** The lines added, in order. */
  added: string[];
  /** Names given that the file listed already. */
  alreadyListed: number;
}

/** `host:port`, IPv6 addresses in brackets. */
export function inventoryLine(e: { host: string; port: number }): string {
  return net.isIPv6(e.host) ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** The `host:port` keys an inventory lists (first column of each line, comments dropped). */
function listed(text: string, defaultPort: number): Set<string> {
  const keys = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const first = raw.replace(/#.*$/, '').split(/[,;\t]/)[0].trim().replace(/^"(.*)"$/, '$1');
    if (first === '') continue;
    if (net.isIPv6(first)) {
      keys.add(endpointKey({ host: first, port: defaultPort }));
      continue;
    }
    const m = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(first);
    if (m) keys.add(endpointKey({ host: m[1] ?? m[2], port: m[3] === undefined ? defaultPort : Number(m[3]) }));
  }
  return keys;
}

export async function appendToInventory(
  file: string,
  endpoints: { host: string; port: number }[],
  opts: { header: string; defaultPort?: number },
): Promise<AppendResult> {
  let text = '';
  let mode = 0o644;
  try {
    text = await fs.readFile(file, 'utf8');
    mode = (await fs.stat(file)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const known = listed(text, opts.defaultPort ?? 443);
  const added: string[] = [];
  let alreadyListed = 0;
  for (const e of endpoints) {
    const key = endpointKey(e);
    if (known.has(key)) {
      alreadyListed++;
      continue;
    }
    known.add(key);
    added.push(inventoryLine(e));
  }
  if (added.length > 0) {
    const lead = text === '' || text.endsWith('\n') ? '' : '\n';
    await writeFileAtomic(file, `${text}${lead}# ${opts.header}\n${added.join('\n')}\n`, mode);
  }
  return { file, added, alreadyListed };
}

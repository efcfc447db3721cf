/**
 * What `certloop config check` can tell about a SQLite `state:` file without opening it for
 * writing: the problems a run would stop at with STATE_FAILED (a folder, a file that is not a
 * SQLite database or was cut short, one that cannot be written, a folder where it cannot be
 * created). Undefined when nothing is wrong that can be seen from outside.
 */
import fs from 'node:fs';
import path from 'node:path';

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export function stateFileProblem(file: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot look at ${file} (${code})`;
    return creatable(path.dirname(file));
  }
  if (stat.isDirectory()) return `${file} is a folder: state: must name a file, such as ./certloop.db`;
  if (!stat.isFile()) return `${file} is not a regular file`;
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
  } catch (err) {
    return `${file} cannot be read and written (${(err as NodeJS.ErrnoException).code}): certloop writes its state on every run`;
  }
  if (stat.size === 0) return undefined; // a new file certloop created and has not written yet
  const head = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  let read: number;
  try {
    read = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (read < 100 || !head.subarray(0, 16).equals(HEADER)) return `${file} is not a SQLite database: restore the state from a backup, or move the file aside to start a new one`;
  // The header's page size (bytes 16-17; 1 means 65536) and, when valid (bytes 92-95 equal to
  // the change counter at 24-27), its page count (28-31): a file cut short ends mid-page or
  // holds fewer pages than its header counts (https://www.sqlite.org/fileformat2.html#database_header).
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = head.readUInt32BE(92) === head.readUInt32BE(24) ? head.readUInt32BE(28) : 0;
  if (pageSize >= 512 && (stat.size % pageSize !== 0 || stat.size < pages * pageSize)) {
    return `${file} is cut short (${stat.size} bytes, ${pages ? `its header counts ${pages} pages of` : 'not a whole number of'} ${pageSize} bytes): restore it from a backup`;
  }
  return undefined;
}

/** The nearest folder that exists must be a folder certloop can write in. */
function creatable(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(d);
    } catch {
      if (d === path.dirname(d)) return undefined;
      continue;
    }
    if (!stat.isDirectory()) return `${d} is not a folder, so the state file cannot be created under it`;
    try {
      fs.accessSync(d, fs.constants.W_OK);
      return undefined;
    } catch (err) {
      return `the state file cannot be created in ${d} (${(err as NodeJS.ErrnoException).code})`;
    }
  }
}

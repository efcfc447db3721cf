/**
 * Replaces a set of files (a certificate, its key, its chain) so that they change together or not
 * at all, and keeps what they replaced as FILE.prev, as a set too.
 *
 * A key written before its certificate used to be left beside the old certificate when the second
 * write failed (a full disk, an immutable file): a pair no server can load, and FILE.prev then
 * held the new key (issue 16, item 4). Here every new file is first written in full beside its
 * target (a temporary in the same folder, fsynced); only then is each renamed over its target.
 * Should one rename fail, the files already replaced get their old content back, so the set on
 * disk is the old one and FILE.prev is untouched.
 *
 * What was there is kept without following symbolic links: a hard link to the old file (same
 * inode, so its mode and owner stay), or, where hard links are refused (an immutable file, a file
 * system without them), a copy read with O_NOFOLLOW that keeps the old mode; a symbolic link is
 * kept as the link itself. Reading through a link would copy whatever it points at (a root-only
 * key, say) into a FILE.prev readable by others (issue 16, item 5); the new file replaces the link
 * itself, never the file it points at.
 *
 * Not covered: a crash between two renames leaves a mixed set, which no reload has seen yet; the
 * state store still says the target is not deployed, so the next run writes the whole set again.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { syncDir } from './atomic-file.js';

export interface NewFile {
  file: string;
  data: string | Buffer;
  mode: number;
}

export interface ReplaceOptions {
  /** Keep what each file held as FILE.prev (all or none: a mixed previous set is removed). */
  keepPrevious: boolean;
  /** Told when the previous set could not be kept (the new set is in place regardless). */
  warn?: (message: string) => void;
}

interface Slot extends NewFile {
  tmp: string;
  old: string;
  /** The target existed (as a file or a link) and `old` holds it. */
  kept: boolean;
}

export async function replaceFilesTogether(files: NewFile[], opts: ReplaceOptions): Promise<void> {
  const seen = new Set<string>();
  for (const f of files) {
    const abs = path.resolve(f.file);
    if (seen.has(abs)) throw new Error(`${abs} is given twice: each file of a set needs its own path`);
    seen.add(abs);
  }
  const slots: Slot[] = files.map((f) => {
    const id = randomBytes(6).toString('hex');
    const dir = path.dirname(f.file);
    const base = path.basename(f.file);
    return { ...f, tmp: path.join(dir, `.${base}.${id}.new`), old: path.join(dir, `.${base}.${id}.old`), kept: false };
  });
  try {
    for (const s of slots) {
      await fs.mkdir(path.dirname(s.file), { recursive: true, mode: 0o755 });
      await removeLeftovers(s.file);
    }
    for (const s of slots) await writeNew(s.tmp, s.data, s.mode);
    for (const s of slots) s.kept = await keepAside(s.file, s.old);
    await renameAll(slots);
  } catch (err) {
    await Promise.all(slots.flatMap((s) => [fs.rm(s.tmp, { force: true }), fs.rm(s.old, { force: true })]).map((p) => p.catch(() => undefined)));
    throw err;
  }
  await Promise.all([...new Set(slots.map((s) => path.dirname(s.file)))].map(syncDir));
  if (opts.keepPrevious) await keepPreviousSet(slots, opts.warn);
  else await Promise.all(slots.map((s) => fs.rm(s.old, { force: true }).catch(() => undefined)));
}

/** Renames every temporary over its target; on a failure, puts back what the earlier ones replaced. */
async function renameAll(slots: Slot[]): Promise<void> {
  for (let i = 0; i < slots.length; i++) {
    try {
      await fs.rename(slots[i].tmp, slots[i].file);
    } catch (err) {
      const notRestored: string[] = [];
      for (const s of slots.slice(0, i).reverse()) {
        try {
          if (s.kept) await fs.rename(s.old, s.file);
          else await fs.rm(s.file, { force: true });
        } catch {
          notRestored.push(s.file);
        }
      }
      if (notRestored.length > 0) {
        const e = err as NodeJS.ErrnoException;
        throw Object.assign(new Error(`${e.code ?? e.message} replacing ${slots[i].file}, and the old content of ${notRestored.join(', ')} could not be put back`), { code: e.code, cause: err });
      }
      throw err;
    }
  }
}

/** The old set becomes FILE.prev, every file or none (a FILE.prev left from an older set would not match). */
async function keepPreviousSet(slots: Slot[], warn?: (message: string) => void): Promise<void> {
  try {
    for (const s of slots) {
      if (s.kept) await fs.rename(s.old, `${s.file}.prev`);
      else await fs.rm(`${s.file}.prev`, { force: true });
    }
  } catch (err) {
    await Promise.all(slots.flatMap((s) => [fs.rm(s.old, { force: true }), fs.rm(`${s.file}.prev`, { force: true })]).map((p) => p.catch(() => undefined)));
    warn?.(`the previous files could not be kept as *.prev (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); none are kept`);
  }
}

async function writeNew(file: string, data: string | Buffer, mode: number): Promise<void> {
  const handle = await fs.open(file, 'wx', mode);
  try {
    await handle.writeFile(data);
    // open() applies the umask; set the mode we promised (0600 for keys) explicitly.
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Keeps `file` as `old` without following a link; false when there is no such file. */
async function keepAside(file: string, old: string): Promise<boolean> {
  let stat;
  try {
    stat = await fs.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (stat.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: 'EISDIR' });
  try {
    // link(2) does not follow a symbolic link: the link itself is kept.
    await fs.link(file, old);
    return true;
  } catch {
    // An immutable file, a file system without hard links: copy it instead.
  }
  if (stat.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(file), old);
    return true;
  }
  const src = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const mode = (await src.stat()).mode & 0o7777;
    await writeNew(old, await src.readFile(), mode);
  } finally {
    await src.close();
  }
  return true;
}

/** Temporaries of an earlier deploy that was killed half way (named as above). */
async function removeLeftovers(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  const leftover = (n: string) => n.startsWith(prefix) && /^[0-9a-f]{12}\.(new|old)$/.test(n.slice(prefix.length));
  await Promise.all(names.filter(leftover).map((n) => fs.rm(path.join(dir, n), { force: true })));
}

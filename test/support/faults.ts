/**
 * Real faults for the file system, for tests that show what certloop keeps when a write fails:
 * an immutable file (chattr +i: not even root may replace it) and a tiny tmpfs that fills up.
 * Both need root, as `npm test` runs here (it installs its Debian packages as root).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function needsRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${what} needs root (npm test runs as root here, as it installs its Debian packages)`);
}

/** Makes `file` immutable; returns the undo (safe to call twice). */
export function immutable(file: string): () => void {
  needsRoot('chattr +i');
  execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    execFileSync('chattr', ['-i', file], { stdio: 'pipe' });
  };
}

export interface SmallTmpfs {
  dir: string;
  /** Writes a filler file so that only about `bytes` stay free. */
  fillLeaving(bytes: number): void;
  remove(): void;
}

/** A tmpfs of `size` bytes mounted on `dir` (created). */
export function smallTmpfs(dir: string, size: number): SmallTmpfs {
  needsRoot('mounting a tmpfs');
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  let mounted = true;
  return {
    dir,
    fillLeaving(bytes) {
      const { bavail, bsize } = fs.statfsSync(dir);
      const free = bavail * bsize;
      if (free > bytes) fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(free - bytes));
    },
    remove() {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    },
  };
}

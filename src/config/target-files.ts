/**
 * Files that two targets would both write. `cert` and `key` on one path "deployed" by writing the
 * certificate over the key (issue 16); two certificates on one path overwrite each other on every
 * renewal, and each then sees the other's serial served. The loader (schema.ts) and the outline
 * (outline.ts) both refuse it, through this one list of which target fields are files.
 */
import { formatPath } from './field-path.js';

/** The fields of a file target that name files it writes. */
export const TARGET_FILE_FIELDS = ['cert', 'key', 'chain'] as const;

export interface ClaimedFile {
  /** Absolute path. */
  file: string;
  /** Field path, for the message: certificates[0].targets[1].key */
  at: (string | number)[];
}

/** The files a certificate's targets write, paths as given (the caller resolves them). */
export function targetFiles(targets: readonly unknown[], certificateIndex: number): ClaimedFile[] {
  const out: ClaimedFile[] = [];
  targets.forEach((t, j) => {
    if (!t || typeof t !== 'object' || (t as { type?: unknown }).type !== 'file') return;
    for (const field of TARGET_FILE_FIELDS) {
      const file = (t as Record<string, unknown>)[field];
      if (typeof file === 'string') out.push({ file, at: ['certificates', certificateIndex, 'targets', j, field] });
    }
  });
  return out;
}

/** Remembers who writes each file; `claim` answers the earlier claim of the same file, if any. */
export class FileClaims {
  private readonly owners = new Map<string, (string | number)[]>();

  claim(c: ClaimedFile): (string | number)[] | undefined {
    const first = this.owners.get(c.file);
    if (first) return first;
    this.owners.set(c.file, c.at);
    return undefined;
  }
}

export function collisionMessage(file: string, first: (string | number)[]): string {
  return `${file} is also written by ${formatPath(first)}: every file a target writes needs a path of its own`;
}

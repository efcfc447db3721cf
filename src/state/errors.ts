/**
 * A state file certloop cannot use, said as STATE_FAILED with the file's path and what to do,
 * instead of SQLite's own words ("unexpected error: file is not a database", issue 16, item 9).
 */
import { CertloopError } from '../errors.js';

/** SQLite result codes (https://www.sqlite.org/rescode.html) and errno codes, by what the user can do. */
function advice(code: string | undefined): string | undefined {
  if (!code) return undefined;
  if (code === 'SQLITE_READONLY_DBMOVED') return 'was moved or deleted while certloop had it open; restart certloop';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return 'cannot be written: certloop needs to write its state (check the permissions of the file and its folder, `lsattr` for an immutable file, and that the file system is not mounted read-only)';
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return 'is not a certloop state file or is damaged (truncated?): restore it from a backup, or move it aside and run again to start a new one (certificates are then ordered again)';
  }
  if (code === 'EISDIR' || code.startsWith('SQLITE_CANTOPEN')) {
    return 'cannot be opened: `state:` must name a file (for example ./certloop.db), not a folder, in a folder certloop can write';
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'cannot be written: the disk is full';
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY')) return 'stayed locked by another process for more than 10 s';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'could not be read or written (an I/O error: check the disk and the kernel log)';
  return undefined;
}

export function stateError(file: string, err: unknown, certificate?: string): CertloopError {
  if (err instanceof CertloopError) return err;
  const e = err as { code?: string; message?: string };
  const what = advice(e.code) ?? `cannot be used: ${e.message ?? String(err)}`;
  return new CertloopError('STATE_FAILED', `state file ${file} ${what} (${e.code ?? 'error'})`, {
    certificate,
    step: 'state',
    cause: err,
    retryable: false,
  });
}

/** Errors from SQLite itself or from the file system, as opposed to certloop's own (a version conflict). */
export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code));
}

/** Where tests find the project and keep their files (test-artifacts/, removed by nothing: CI keeps it). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder (tests run from dist/test/…, three levels below it). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function tempDir(prefix: string): string {
  const base = path.join(ROOT, 'test-artifacts');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${prefix}-`));
}

/** Every SQLite state file (*.db) a test wrote under `dir`. */
export function stateFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.db')).map((f) => path.join(dir, f));
}

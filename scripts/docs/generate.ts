/**
 * `npm run docs`: writes the generated pages of docs/ (the configuration reference from the zod
 * schema, the error codes from src/errors.ts). `--check` writes nothing and exits 1 when a
 * committed page differs from what would be written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfiguration } from './configuration.js';
import { renderErrorCodes } from './error-codes.js';

/** The repository, from dist/scripts/docs/. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Each generated page (relative to the repository) and how it is made. */
export const GENERATED_DOCS: Record<string, (root: string) => string> = {
  'docs/configuration.md': renderConfiguration,
  'docs/error-codes.md': renderErrorCodes,
};

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const [file, render] of Object.entries(GENERATED_DOCS)) {
    const target = path.join(ROOT, file);
    const text = render(ROOT);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    if (current === text) continue;
    if (check) {
      console.error(`${file} is out of date: run npm run docs`);
      stale++;
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
      console.log(`wrote ${file}`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));

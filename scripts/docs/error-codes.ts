/** docs/error-codes.md: scripts/docs/error-codes.template.md with the table of src/errors.ts ERROR_CODES. */
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CODES } from '../../src/errors.js';
import { fillTemplate, generatedNotice, table } from './markdown.js';

export const ERROR_CODES_TEMPLATE = 'scripts/docs/error-codes.template.md';

export function renderErrorCodes(root: string): string {
  const template = fs.readFileSync(path.join(root, ERROR_CODES_TEMPLATE), 'utf8');
  return (
    generatedNotice([`\`${ERROR_CODES_TEMPLATE}\``, '`ERROR_CODES` in `src/errors.ts`']) +
    fillTemplate(template, ERROR_CODES_TEMPLATE, {
      'error-codes': () => table(['code', 'meaning'], Object.entries(ERROR_CODES).map(([code, meaning]) => [code, meaning])),
    })
  );
}

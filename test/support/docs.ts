/**
 * The project's documentation as tests read it: README.md and the pages of docs/. Tests that
 * check what a page says read the page that says it (issue 17 moved most of the README there).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './workspace.js';

/** A page by its path in the repository: `README.md`, `docs/verification.md`. */
export function readDoc(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

/** README.md and every page of docs/, by path in the repository. */
export function docPages(): string[] {
  return ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

/** The ```yaml blocks of a page. */
export function yamlBlocks(text: string): string[] {
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** The ```yaml blocks of a page that are whole configurations (acme: and certificates:). */
export function configBlocks(text: string): string[] {
  return yamlBlocks(text).filter((t) => /^acme:/m.test(t) && /^certificates:/m.test(t));
}

/**
 * YAML read with the position of every field, and problems located at those positions (file,
 * line, column, field path): what the config loader and the policy-file loader both need, so
 * neither imports the other.
 */
import type { Document, LineCounter, Node } from 'yaml';
import type { z } from 'zod';
import type { ConfigProblem } from '../errors.js';
import { lazyRequire } from '../util/lazy-require.js';
import { formatPath } from './field-path.js';
import { fastYaml } from './yaml-fast.js';

const yamlLib = lazyRequire<typeof import('yaml')>('yaml');

/**
 * A YAML file's value and where its fields are, or its syntax errors as located problems. js-yaml
 * reads it (yaml-fast.ts); `yaml`, which keeps every node's position, parses it again only to
 * locate a problem, or when the fast path declines.
 */
export function readYaml(text: string, file: string): { raw: unknown; position: PositionOf } | { problems: ConfigProblem[] } {
  const fast = fastYaml(text);
  if (fast !== undefined) {
    let positions: PositionOf | undefined;
    const position: PositionOf = (keys) => {
      if (!positions) {
        const slow = parseYaml(text, file);
        positions = 'problems' in slow ? () => undefined : slow.position;
      }
      return positions(keys);
    };
    return { raw: fast, position };
  }
  return parseYaml(text, file);
}

function parseYaml(text: string, file: string): { raw: unknown; position: PositionOf } | { problems: ConfigProblem[] } {
  const lines = new (yamlLib().LineCounter)();
  const doc = yamlLib().parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, path: '', line: pos.line, column: pos.col, message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // `yaml` refuses aliases that expand to too much (maxAliasCount: a "billion laughs" document).
    const at = firstAlias(doc);
    const pos = at === undefined ? undefined : lines.linePos(at);
    return {
      problems: [
        {
          file,
          path: '',
          line: pos?.line ?? 1,
          column: pos?.col ?? 1,
          message: `YAML: ${(err as Error).message.replace(/\.$/, '')}: aliases (*name) here expand to too much data; write the values out instead`,
        },
      ],
    };
  }
  return { raw, position: yamlPositions(doc, lines) };
}

/** Offset of the first alias node (*name) in the document. */
function firstAlias(doc: Document): number | undefined {
  let offset: number | undefined;
  yamlLib().visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return yamlLib().visit.BREAK;
    },
  });
  return offset;
}

/** Where a field path is in the config text (1-based), walking down as far as the document goes. */
export type PositionOf = (keys: (string | number)[]) => { line: number; col: number } | undefined;

function yamlPositions(doc: Document, lines: LineCounter): PositionOf {
  return (keys) => {
    // Walk down as far as the document goes: a missing field is reported at its parent.
    let node: Node | undefined;
    for (let n = keys.length; n >= 0 && !node; n--) {
      const found = doc.getIn(keys.slice(0, n), true);
      if (found && typeof found === 'object' && 'range' in found) node = found as Node;
    }
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset);
  };
}

export function issuesToProblemsAt(issues: z.core.$ZodIssue[], position: PositionOf, file: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    // A union failure hides the real reasons one level down; show those instead of "invalid input".
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && !issue.message.startsWith('unknown')) {
      // A branch for another type than the one written (`watch:` as a list or a mapping) explains nothing.
      const typed = issue.errors.filter((e) => !(e.length === 1 && e[0].code === 'invalid_type' && e[0].path.length === 0));
      const best = (typed.length > 0 ? typed : issue.errors).reduce((a, b) => (a.length <= b.length ? a : b));
      for (const sub of best) out.push(...issuesToProblemsAt([{ ...sub, path: [...issue.path, ...sub.path] }], position, file));
      continue;
    }
    out.push(locateAt(position, file, issue.path, describeIssue(issue, isSecretField(issue.path))));
  }
  return out;
}

/** Fields whose values must never be echoed back in an error message. */
function isSecretField(fieldPath: PropertyKey[]): boolean {
  return fieldPath.some((k) => typeof k === 'string' && /secret|password|token|hmac|credential|key$/i.test(k) && k !== 'key');
}

function describeIssue(issue: z.core.$ZodIssue, secret: boolean): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling against the config reference in docs/configuration.md)`;
    case 'invalid_type':
      if (issue.input === undefined) return `required field is missing (expected ${issue.expected})`;
      return `expected ${issue.expected}, got ${secret ? 'a value of the wrong type (not shown: secret field)' : describeValue(issue.input)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${secret ? '' : `, got ${describeValue(issue.input)}`}`;
    default:
      return issue.message;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  // JSON.stringify would say null: 1e400 is read as Infinity, .nan as NaN.
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan (not a number)' : 'a value too large for a number (1e400 or .inf)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export function locateAt(position: PositionOf, file: string, fieldPath: PropertyKey[], message: string): ConfigProblem {
  const keys = fieldPath.map((k) => (typeof k === 'symbol' ? String(k) : k)) as (string | number)[];
  const pos = position(keys);
  return { file, path: formatPath(keys), line: pos?.line, column: pos?.col, message };
}

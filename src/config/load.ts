/**
 * Loads certloop.yaml: YAML with positions kept, secret references resolved, then the schema.
 * Every problem becomes one line naming file, line, field path and what is expected, and all
 * problems are reported at once so a user fixes the file in one go.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Document, LineCounter, Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { formatPath } from './field-path.js';
import { withBaseDir } from './fields.js';
import { jsonPositions, parseJsonObject } from './json-position.js';
import { fastYaml } from './yaml-fast.js';
import { lazyRequire } from '../util/lazy-require.js';
import { Config } from './schema.js';
import { attachPolicies } from '../policy/load.js';
import { alsoServesOf, referenceProblems } from './references.js';

export { formatPath };

export interface LoadedConfig extends Config {
  /** Absolute path of the file the config came from. */
  file: string;
  /** Folder relative paths and reload commands are taken from. */
  baseDir: string;
  /** Field paths ("certificates.0.targets.0.clientSecret") whose values came from a secret reference. */
  secretPaths: string[];
}

export function defaultConfigPath(explicit?: string): string {
  return path.resolve(explicit ?? process.env.CERTLOOP_CONFIG ?? 'certloop.yaml');
}

export function loadConfig(file: string): LoadedConfig {
  const abs = path.resolve(file);
  return parseConfigText(readConfigText(abs), abs);
}

export function readConfigText(abs: string): string {
  return readConfigBytes(abs).toString('utf8');
}

export function readConfigBytes(abs: string): Buffer {
  try {
    return fs.readFileSync(abs);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'file not found (pass -c FILE, set CERTLOOP_CONFIG, or create certloop.yaml here)'
        : `cannot read the file (${e.code ?? e.message})`;
    throw new ConfigError([{ file: abs, path: '', message: why }]);
  }
}

export function parseConfigText(text: string, file: string): LoadedConfig {
  const { resolved, position, secretPaths } = readConfigValue(text, file);
  const baseDir = path.dirname(file);
  const result = withBaseDir(baseDir, () => Config.safeParse(resolved, { reportInput: true }));
  if (!result.success) {
    throw new ConfigError(issuesToProblemsAt(result.error.issues, position, file));
  }
  // Names one certificate gives another (alsoServes) exist in this config.
  const names = result.data.certificates.map((c) => c.name);
  const referenceIssues = referenceProblems(names, result.data.certificates.flatMap(alsoServesOf));
  if (referenceIssues.length > 0) throw new ConfigError(referenceIssues.map((p) => locateAt(position, file, p.path, p.message)));
  // Renewal policies: the shipped ones plus `policies:` files, resolved once per certificate.
  const policyProblems = attachPolicies(result.data);
  if (policyProblems.fileProblems.length + policyProblems.configProblems.length > 0) {
    throw new ConfigError([...policyProblems.fileProblems, ...policyProblems.configProblems.map((p) => locateAt(position, file, p.path, p.message))]);
  }
  return { ...result.data, file, baseDir, secretPaths };
}

/**
 * The config as a plain value, secret references resolved, not yet validated; syntax errors and
 * unresolvable references are thrown as located problems.
 */
export function readConfigValue(text: string, file: string): { resolved: Record<string, unknown>; position: PositionOf; secretPaths: string[] } {
  // JSON (which is YAML) takes the fast path; positions for errors are then found in the text.
  const json = parseJsonObject(text);
  let raw: unknown;
  let position: PositionOf;
  if (json) {
    raw = json.value;
    position = jsonPositions(text);
  } else {
    const yaml = readYaml(text, file);
    if ('problems' in yaml) throw new ConfigError(yaml.problems);
    ({ raw, position } = yaml);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ file, path: '', message: 'expected a YAML mapping with acme, state and certificates' }]);
  }

  const problems: ConfigProblem[] = [];
  const secretPaths: string[] = [];
  const resolved = mayHaveReferences(text)
    ? (resolveReferences(raw, [], path.dirname(file), secretPaths, (p, message) => problems.push(locateAt(position, file, p, message))) as Record<string, unknown>)
    : raw as Record<string, unknown>;
  if (problems.length > 0) throw new ConfigError(problems);
  return { resolved, position, secretPaths };
}

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

/**
 * False when no string of the config can hold a ${env:}/${file:} reference: no "${" in the text,
 * nor "$" written as a JSON or YAML escape. Then the walk over every value is skipped.
 */
export function mayHaveReferences(text: string | Buffer): boolean {
  // Every one of them holds a "$" or a backslash: two quick searches settle most configs.
  if (text.indexOf('$') === -1 && text.indexOf('\\') === -1) return false;
  // A YAML double-quoted "$\<newline>{" also joins into "${".
  return ['${', '\\u0024', '\\x24', '\\U00000024', '$\\\n', '$\\\r\n'].some((s) => text.includes(s));
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
      const best = issue.errors.reduce((a, b) => (a.length <= b.length ? a : b));
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

function locateAt(position: PositionOf, file: string, fieldPath: PropertyKey[], message: string): ConfigProblem {
  const keys = fieldPath.map((k) => (typeof k === 'symbol' ? String(k) : k)) as (string | number)[];
  const pos = position(keys);
  return { file, path: formatPath(keys), line: pos?.line, column: pos?.col, message };
}


const REFERENCE = /\$\{(env|file):([^}]+)\}/g;

/**
 * Replaces ${env:NAME} and ${file:PATH} in every string of `value` (the part of the config at path
 * `at`, which is left as it was given), so secrets live in the environment or in mounted files,
 * never in the config itself. Values that came from a reference are remembered so `config check`
 * can mask them.
 */
export function resolveReferences(
  value: unknown,
  at: (string | number)[],
  baseDir: string,
  secretPaths: string[],
  problem: (p: (string | number)[], message: string) => void,
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    let usedReference = false;
    const out = value.replace(REFERENCE, (_m, kind: string, ref: string) => {
      usedReference = true;
      if (kind === 'env') {
        const v = process.env[ref];
        if (v === undefined) {
          problem([...at], `environment variable ${ref} is not set (referenced as \${env:${ref}})`);
          return '';
        }
        return v;
      }
      try {
        return fs.readFileSync(path.resolve(baseDir, ref), 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        problem([...at], `cannot read ${ref} (referenced as \${file:${ref}}): ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        return '';
      }
    });
    if (usedReference) secretPaths.push(formatPath(at));
    return out;
  }
  // Containers are copied only when something inside changed, and `at` is one stack pushed and
  // popped: a config of 100,000 certificates has millions of values, nearly all without references.
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      at.push(i);
      const v = resolveReferences(value[i], at, baseDir, secretPaths, problem);
      at.pop();
      if (v !== value[i]) (copy ??= [...value])[i] = v;
    }
    return copy ?? value;
  }
  if (value && typeof value === 'object') {
    let copy: Record<string, unknown> | undefined;
    for (const [k, old] of Object.entries(value)) {
      at.push(k);
      const v = resolveReferences(old, at, baseDir, secretPaths, problem);
      at.pop();
      if (v !== old) (copy ??= { ...value })[k] = v;
    }
    return copy ?? value;
  }
  return value;
}

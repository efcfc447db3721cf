/**
 * Loads certloop.yaml: YAML with positions kept, secret references resolved, then the schema.
 * Every problem becomes one line naming file, line, field path and what is expected, and all
 * problems are reported at once so a user fixes the file in one go.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { withBaseDir } from './fields.js';
import { Config } from './schema.js';
import { attachPolicies } from '../policy/load.js';

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
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'file not found (pass -c FILE, set CERTLOOP_CONFIG, or create certloop.yaml here)'
        : `cannot read the file (${e.code ?? e.message})`;
    throw new ConfigError([{ file: abs, path: '', message: why }]);
  }
  return parseConfigText(text, abs);
}

export function parseConfigText(text: string, file: string): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, path: '', line: pos.line, column: pos.col, message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    );
  }

  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ file, path: '', message: 'expected a YAML mapping with acme, state and certificates' }]);
  }

  const problems: ConfigProblem[] = [];
  const secretPaths: string[] = [];
  const resolved = resolveReferences(raw, [], path.dirname(file), secretPaths, (p, message) =>
    problems.push(locate(doc, lines, file, p, message)),
  );
  if (problems.length > 0) throw new ConfigError(problems);

  const baseDir = path.dirname(file);
  const result = withBaseDir(baseDir, () => Config.safeParse(resolved, { reportInput: true }));
  if (!result.success) {
    throw new ConfigError(issuesToProblems(result.error.issues, doc, lines, file));
  }
  // Renewal policies: the shipped ones plus `policies:` files, resolved once per certificate.
  const policyProblems = attachPolicies(result.data);
  if (policyProblems.fileProblems.length + policyProblems.configProblems.length > 0) {
    throw new ConfigError([...policyProblems.fileProblems, ...policyProblems.configProblems.map((p) => locate(doc, lines, file, p.path, p.message))]);
  }
  return { ...result.data, file, baseDir, secretPaths };
}

export function issuesToProblems(issues: z.core.$ZodIssue[], doc: Document, lines: LineCounter, file: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    // A union failure hides the real reasons one level down; show those instead of "invalid input".
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && !issue.message.startsWith('unknown')) {
      const best = issue.errors.reduce((a, b) => (a.length <= b.length ? a : b));
      for (const sub of best) out.push(...issuesToProblems([{ ...sub, path: [...issue.path, ...sub.path] }], doc, lines, file));
      continue;
    }
    out.push(locate(doc, lines, file, issue.path, describeIssue(issue, isSecretField(issue.path))));
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
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling against the config reference in README.md)`;
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
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export function locate(doc: Document, lines: LineCounter, file: string, fieldPath: PropertyKey[], message: string): ConfigProblem {
  const keys = fieldPath.map((k) => (typeof k === 'symbol' ? String(k) : k)) as (string | number)[];
  // Walk down as far as the document goes: a missing field is reported at its parent.
  let node: Node | undefined;
  for (let n = keys.length; n >= 0 && !node; n--) {
    const found = doc.getIn(keys.slice(0, n), true);
    if (found && typeof found === 'object' && 'range' in found) node = found as Node;
  }
  const offset = node?.range?.[0];
  const pos = offset === undefined ? undefined : lines.linePos(offset);
  return { file, path: formatPath(keys), line: pos?.line, column: pos?.col, message };
}

export function formatPath(keys: (string | number)[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

const REFERENCE = /\$\{(env|file):([^}]+)\}/g;

/**
 * Replaces ${env:NAME} and ${file:PATH} in every string of the config, so secrets live in the
 * environment or in mounted files, never in the config itself. Values that came from a reference
 * are remembered so `config check` can mask them.
 */
function resolveReferences(
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
          problem(at, `environment variable ${ref} is not set (referenced as \${env:${ref}})`);
          return '';
        }
        return v;
      }
      try {
        return fs.readFileSync(path.resolve(baseDir, ref), 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        problem(at, `cannot read ${ref} (referenced as \${file:${ref}}): ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        return '';
      }
    });
    if (usedReference) secretPaths.push(formatPath(at));
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveReferences(v, [...at, i], baseDir, secretPaths, problem));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveReferences(v, [...at, k], baseDir, secretPaths, problem)]),
    );
  }
  return value;
}

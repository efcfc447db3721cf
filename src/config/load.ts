/**
 * Loads certloop.yaml: YAML with positions kept, secret references resolved, then the schema.
 * Every problem becomes one line naming file, line, field path and what is expected, and all
 * problems are reported at once so a user fixes the file in one go.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { formatPath } from './field-path.js';
import { withBaseDir } from './fields.js';
import { jsonPositions, parseJsonObject } from './json-position.js';
import { issuesToProblemsAt, locateAt, readYaml, type PositionOf } from './read-yaml.js';
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

/**
 * The config validated in full but kept in outline: each certificate's name, domains and policy,
 * which is all `plan` needs. For 100,000 certificates the validated config is ~150 MB of objects
 * that would only be kept to be thrown away (and to slow every garbage collection down); here the
 * certificates are validated a slice at a time with the very same schema, and each slice's output
 * is dropped once its outline is taken. A JSON config is also parsed one certificate at a time.
 *
 * Same verdict as loadConfig: a config one rejects, the other rejects. Whenever this path finds
 * anything wrong it hands over to loadConfig, so the errors are loadConfig's own, word for word.
 */
import path from 'node:path';
import { withBaseDir } from './fields.js';
import { JsonScanner, parseableAsJsonObject } from './json-position.js';
import { mayHaveReferences, parseConfigText, readConfigBytes, readConfigValue, resolveReferencesAt, type LoadedConfig } from './load.js';
import { Config, type CertificateConfig } from './schema.js';
import { attachPolicies } from '../policy/load.js';

export type CertificateOutline = Pick<CertificateConfig, 'name' | 'domains' | 'policy'>;

export interface ConfigOutline extends Omit<LoadedConfig, 'certificates'> {
  certificates: CertificateOutline[];
}

/** Certificates validated per slice: the rest of the config is checked again with each slice. */
const SLICE = 500;

export function loadConfigOutline(file: string): ConfigOutline {
  const abs = path.resolve(file);
  const bytes = readConfigBytes(abs);
  let outline: ConfigOutline | undefined;
  try {
    outline = outlineOf(bytes, abs);
  } catch {
    outline = undefined; // loadConfig says what is wrong
  }
  return outline ?? parseConfigText(bytes.toString('utf8'), abs);
}

function outlineOf(bytes: Buffer, file: string): ConfigOutline | undefined {
  const baseDir = path.dirname(file);
  const json = jsonParts(bytes, file);
  let top: Omit<Config, 'certificates'> | undefined;
  let outlines: CertificateOutline[];
  let secretPaths: string[];
  if (json) {
    const r = validateSlices(json.rest, json.certificates, baseDir);
    if (!r) return undefined;
    top = r.top;
    outlines = r.outlines;
    secretPaths = json.secretPaths;
  } else {
    const { resolved, secretPaths: paths } = readConfigValue(bytes.toString('utf8'), file);
    const { certificates, ...rest } = resolved;
    if (!Array.isArray(certificates)) return undefined;
    const r = validateSlices(rest, certificates, baseDir);
    if (!r) return undefined;
    top = r.top;
    outlines = r.outlines;
    secretPaths = paths;
  }
  if (!top) return undefined; // no certificates: loadConfig explains
  // The one rule between certificates (schema.ts superRefine): names are unique.
  if (new Set(outlines.map((c) => c.name)).size !== outlines.length) return undefined;
  const config: ConfigOutline = { ...top, certificates: outlines, file, baseDir, secretPaths };
  const policyProblems = attachPolicies(config);
  if (policyProblems.fileProblems.length + policyProblems.configProblems.length > 0) return undefined;
  return config;
}

/**
 * The whole Config schema on each slice of certificates: per-certificate rules and the checks
 * between fields of one certificate (Config's superRefine) apply as they do to the whole list.
 * Undefined when anything is wrong.
 */
function validateSlices(
  rest: Record<string, unknown>,
  certificates: Iterable<unknown>,
  baseDir: string,
): { top?: Omit<Config, 'certificates'>; outlines: CertificateOutline[] } | undefined {
  const outlines: CertificateOutline[] = [];
  let top: Omit<Config, 'certificates'> | undefined;
  const check = (slice: unknown[]): boolean => {
    const r = withBaseDir(baseDir, () => Config.safeParse({ ...rest, certificates: slice }));
    if (!r.success) return false;
    const { certificates: validated, ...others } = r.data;
    top ??= others;
    for (const c of validated) outlines.push({ name: c.name, domains: c.domains, ...(c.policy !== undefined ? { policy: c.policy } : {}) });
    return true;
  };
  let slice: unknown[] = [];
  for (const cert of certificates) {
    slice.push(cert);
    if (slice.length < SLICE) continue;
    if (!check(slice)) return undefined;
    slice = [];
  }
  if (slice.length > 0 && !check(slice)) return undefined;
  return { top, outlines };
}

interface JsonParts {
  /** The config without its certificates, references resolved. */
  rest: Record<string, unknown>;
  /** The certificates, parsed (and references resolved) one at a time as they are asked for. */
  certificates: Iterable<unknown>;
  secretPaths: string[];
}

/**
 * A JSON config, parsed one certificate at a time from its bytes: the parsed config is never whole
 * in memory (~150 MB for 100,000 certificates), nor is its text as a string (~60 MB), only the
 * file's bytes and the certificate at hand. A problem (unparsable text, an unresolvable
 * reference) throws; the caller hands over to loadConfig.
 */
function jsonParts(bytes: Buffer, file: string): JsonParts | undefined {
  if (!parseableAsJsonObject(bytes)) return undefined;
  const scan = new JsonScanner(bytes);
  // Exactly one "certificates" member holding an array (JSON.parse would keep the last of several).
  const found = [...scan.members(scan.start())].filter(([name]) => name === 'certificates');
  if (found.length !== 1 || bytes[found[0][1]] !== 0x5b) return undefined;
  const at = found[0][1];
  const end = scan.endOfValue(at);
  const secretPaths: string[] = [];
  const resolve = referenceResolver(bytes, file, secretPaths);
  const rest = resolve(JSON.parse(`${scan.text(0, at)}[]${scan.text(end, bytes.length)}`), []) as Record<string, unknown>;
  delete rest.certificates;
  function* certificates(): Generator<unknown> {
    let i = 0;
    let last = at + 1;
    for (const [s, e] of scan.elements(at)) {
      yield resolve(JSON.parse(scan.text(s, e)), ['certificates', i++]);
      last = e;
    }
    // The array ends where the text says it does: "]" and nothing else after the last element.
    if (scan.skipSpace(last) !== end - 1 || bytes[end - 1] !== 0x5d) throw new SyntaxError('certificates');
  }
  return { rest, certificates: certificates(), secretPaths };
}

/** Resolves ${env:}/${file:} references when the text may hold any; a problem throws. */
function referenceResolver(text: Buffer, file: string, secretPaths: string[]): (value: unknown, at: (string | number)[]) => unknown {
  if (!mayHaveReferences(text)) return (value) => value;
  const fail = (): never => {
    throw new Error('unresolvable reference');
  };
  return (value, at) => resolveReferencesAt(value, at, path.dirname(file), secretPaths, fail);
}

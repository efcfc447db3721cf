/**
 * The config validated in full but kept in outline: each certificate's name, domains and policy,
 * which is all `plan` needs. For 100,000 certificates the validated config is ~150 MB of objects
 * that would only be kept to be thrown away (and to slow every garbage collection down). Here each
 * certificate is first offered to a quick check that builds nothing and answers yes only where zod
 * would (quick-accept.ts); the others are validated a slice at a time with the very same schema,
 * and each slice's output is dropped once its outline is taken. A JSON config is also parsed a
 * few certificates at a time.
 *
 * Same verdict as loadConfig: a config one rejects, the other rejects. Whenever this path finds
 * anything wrong it hands over to loadConfig, so the errors are loadConfig's own, word for word.
 */
import path from 'node:path';
import type { z } from 'zod';
import { configPathKey, DomainName, FilePath, isDomainName, isIpIdentifier, resolvedPathKey, withBaseDir } from './fields.js';
import { JsonScanner, parseableAsJsonObject } from './json-position.js';
import { mayHaveReferences, parseConfigText, readConfigBytes, readConfigValue, resolveReferences, type LoadedConfig } from './load.js';
import { quickAccept } from './quick-accept.js';
import { alsoServesOf, referenceProblems, type Reference } from './references.js';
import { CertificateConfig, Config } from './schema.js';
import { TARGET_FILE_FIELDS } from './target-files.js';
import { attachPolicies } from '../policy/load.js';

export type CertificateOutline = Pick<CertificateConfig, 'name' | 'domains' | 'policy' | 'source'>;

export interface ConfigOutline extends Omit<LoadedConfig, 'certificates'> {
  certificates: CertificateOutline[];
}

/** Certificates validated per slice: the rest of the config is checked again with each slice. */
const SLICE = 500;

export function loadConfigOutline(file: string): ConfigOutline {
  const abs = path.resolve(file);
  const bytes = readConfigBytes(abs);
  const attempt = (guess: boolean): ConfigOutline | undefined => {
    try {
      return outlineOf(bytes, abs, guess);
    } catch (err) {
      if (guess && err instanceof GuessFailed) return attempt(false);
      return undefined; // loadConfig says what is wrong
    }
  };
  return attempt(true) ?? parseConfigText(bytes.toString('utf8'), abs);
}

function outlineOf(bytes: Buffer, file: string, guess: boolean): ConfigOutline | undefined {
  const baseDir = path.dirname(file);
  const json = jsonParts(bytes, file, guess);
  let top: Omit<Config, 'certificates'> | undefined;
  let outlines: CertificateOutline[];
  let secretPaths: string[];
  let references: Reference[];
  if (json) {
    const r = validateSlices(json.rest, json.certificates, baseDir);
    if (!r) return undefined;
    top = r.top;
    outlines = r.outlines;
    references = r.references;
    secretPaths = json.secretPaths;
  } else {
    const { resolved, secretPaths: paths } = readConfigValue(bytes.toString('utf8'), file);
    const { certificates, ...rest } = resolved;
    if (!Array.isArray(certificates)) return undefined;
    const r = validateSlices(rest, certificates, baseDir);
    if (!r) return undefined;
    top = r.top;
    outlines = r.outlines;
    references = r.references;
    secretPaths = paths;
  }
  if (!top) return undefined; // no certificates: loadConfig explains
  // The one rule between certificates (schema.ts superRefine): names are unique.
  if (new Set(outlines.map((c) => c.name)).size !== outlines.length) return undefined;
  // Config's rule between certificates and watched endpoints (issue 18): no name used by both.
  if (top.watch && top.watch.endpoints.length > 0) {
    const names = new Set(outlines.map((c) => c.name));
    if (top.watch.endpoints.some((e) => names.has(e.name))) return undefined;
  }
  // Names one certificate gives another exist (references.ts, as loadConfig checks them).
  if (referenceProblems(outlines.map((c) => c.name), references).length > 0) return undefined;
  const config: ConfigOutline = { ...top, certificates: outlines, file, baseDir, secretPaths };
  const policyProblems = attachPolicies(config);
  if (policyProblems.fileProblems.length + policyProblems.configProblems.length > 0) return undefined;
  return config;
}

/**
 * Each certificate is first offered to the quick check (quick-accept.ts: true only where zod would
 * accept it); those it does not accept, and the rest of the config, are validated with the whole
 * Config schema a slice at a time, so per-certificate rules and the checks between fields of one
 * certificate (Config's superRefine) apply as they do to the whole list. Undefined when anything
 * is wrong.
 */
function validateSlices(
  rest: Record<string, unknown>,
  certificates: Iterable<unknown>,
  baseDir: string,
): { top?: Omit<Config, 'certificates'>; outlines: CertificateOutline[]; references: Reference[] } | undefined {
  return withBaseDir(baseDir, () => {
    const outlines: (CertificateOutline | undefined)[] = [];
    // alsoServes lists, read from the input: the schema leaves them as they are.
    const references: Reference[] = [];
    let top: Omit<Config, 'certificates'> | undefined;
    // Config's rule between certificates: no file written by two targets (target-files.ts).
    const files = new HashSet53();
    const check = (slice: unknown[], at: number[], claim = true): boolean => {
      const r = Config.safeParse({ ...rest, certificates: slice });
      if (!r.success) return false;
      const { certificates: validated, ...others } = r.data;
      top ??= others;
      validated.forEach((c, k) => (outlines[at[k]] = { name: c.name, domains: c.domains, ...(c.policy !== undefined ? { policy: c.policy } : {}), ...(c.source !== undefined ? { source: c.source } : {}) }));
      // Paths in the validated config are resolved already.
      return !claim || validated.every((c) => claimFiles(c.targets ?? [], files, resolvedPathKey));
    };
    let first: unknown;
    let slice: unknown[] = [];
    let at: number[] = [];
    for (const cert of certificates) {
      const i = outlines.length;
      if (i === 0) first = cert;
      references.push(...alsoServesOf(cert, i));
      const quick = quickCertificate(cert, files);
      outlines.push(quick);
      if (quick) continue;
      slice.push(cert);
      at.push(i);
      if (slice.length < SLICE) continue;
      if (!check(slice, at)) return undefined;
      slice = [];
      at = [];
    }
    if (slice.length > 0 && !check(slice, at)) return undefined;
    // Every certificate passed the quick check: the rest of the config is validated with the first.
    if (!top && outlines.length > 0 && !check([first], [0], false)) return undefined;
    return { top, outlines: outlines as CertificateOutline[], references };
  });
}

/**
 * FilePath is a string of at least one character turned into an absolute path; the turning never
 * fails, so FilePath accepts exactly what its input schema accepts, without the path.resolve.
 */
const filePathInput = FilePath.in;
/** DomainName is a string refined by isDomainName or isIpIdentifier and nothing else. */
const acceptCertificate = quickAccept(
  CertificateConfig,
  new Map<z.core.$ZodType, (v: unknown) => boolean>([
    [FilePath, (v) => filePathInput.safeParse(v).success],
    [DomainName, (v) => typeof v === 'string' && (isDomainName(v) || isIpIdentifier(v))],
  ]),
);

/**
 * A certificate's outline when the quick check accepts it and Config's rules within one
 * certificate hold; else undefined, and zod decides. What zod would output for name, domains and a
 * policy name is the input itself (no transforms); a policy with overrides is left to zod.
 */
export function quickOutline(cert: unknown): CertificateOutline | undefined {
  return quickCertificate(cert, new HashSet53());
}

/**
 * quickOutline, with the files the certificate's targets write claimed in `files` (for the rule
 * between certificates); undefined also when one of them is claimed already.
 */
function quickCertificate(cert: unknown, files: HashSet53): CertificateOutline | undefined {
  if (!acceptCertificate(cert)) return undefined;
  const { name, domains, policy } = cert as CertificateOutline;
  if (policy !== undefined && typeof policy !== 'string') return undefined;
  // Config's superRefine: settle not longer than pollFor (left to zod whenever settle is set).
  if ((cert as { verify?: { settle?: unknown } }).verify?.settle !== undefined) return undefined;
  // Config's superRefine: no domain twice, no wildcard over http-01 (left to zod to explain), no unverified with endpoints...
  const verify = (cert as { verify?: { unverified?: boolean; endpoints?: unknown[] } }).verify;
  if (verify?.unverified && (verify.endpoints?.length ?? 0) > 0) return undefined;
  for (let j = 0; j < domains.length; j++) {
    // ... no IP address over dns-01 (left to zod whenever there is an IP address) ...
    if (domains[j].startsWith('*.') || isIpIdentifier(domains[j])) return undefined;
    for (let k = 0; k < j; k++) if (domains[k] === domains[j]) return undefined;
  }
  // Config's superRefine: challenge and targets unless there is a source (sourceProblems; left to zod).
  const c = cert as Partial<CertificateConfig>;
  if (c.source !== undefined || c.challenge === undefined || c.targets === undefined) return undefined;
  // ... and no file written by two targets (target-files.ts), paths resolved as FilePath does.
  if (!claimFiles(c.targets, files, configPathKey)) return undefined;
  return policy === undefined ? { name, domains } : { name, domains, policy };
}

/**
 * Adds the files the targets write to `files`; false when one is there already. Kept as 53-bit
 * hashes of their path keys, not as strings: two paths with the same hash only send the config to
 * loadConfig, which decides exactly.
 */
function claimFiles(targets: readonly unknown[], files: HashSet53, key: (p: string) => string): boolean {
  for (const t of targets) {
    if ((t as { type?: unknown }).type !== 'file') continue;
    for (const field of TARGET_FILE_FIELDS) {
      const p = (t as Record<string, unknown>)[field];
      if (typeof p === 'string' && !files.add(hash53(key(p)))) return false;
    }
  }
  return true;
}

/**
 * A set of 53-bit hashes in one Float64Array (open addressing): a Set of 200,000 numbers raised
 * plan's peak memory by ~60 MiB over 100,000 certificates (measured with bench/plan's config), this
 * by a few.
 */
export class HashSet53 {
  private table = new Float64Array(1024);
  private count = 0;

  /** False when `h` was there already. */
  add(h: number): boolean {
    const v = h === 0 ? 1 : h; // 0 marks an empty slot
    if (2 * (this.count + 1) > this.table.length) this.grow();
    const mask = this.table.length - 1;
    for (let i = v % this.table.length; ; i = (i + 1) & mask) {
      if (this.table[i] === 0) {
        this.table[i] = v;
        this.count++;
        return true;
      }
      if (this.table[i] === v) return false;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    this.count = 0;
    for (const v of old) if (v !== 0) this.add(v);
  }
}

/** Two 32-bit FNV-1a hashes with different offsets, as one safe integer. */
function hash53(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0) * 0x200000 + (b >>> 11);
}

interface JsonParts {
  /** The config without its certificates, references resolved. */
  rest: Record<string, unknown>;
  /** The certificates, parsed (and references resolved) one at a time as they are asked for. */
  certificates: Iterable<unknown>;
  secretPaths: string[];
}

/**
 * A JSON config, parsed a few certificates at a time from its bytes: the parsed config is never
 * whole in memory (~150 MB for 100,000 certificates), nor is its text as a string (~60 MB), only
 * the file's bytes and the certificates at hand. A problem (unparsable text, an unresolvable
 * reference) throws; the caller hands over to loadConfig. With `guess`, the certificates are cut
 * into runs where an indented file separates them (see guessedRuns), and a cut that was not
 * between two certificates throws a GuessFailed; then it is done again without guessing.
 */
export function jsonParts(bytes: Buffer, file: string, guess = false): JsonParts | undefined {
  if (!parseableAsJsonObject(bytes)) return undefined;
  const scan = new JsonScanner(bytes);
  // Exactly one "certificates" member holding an array (JSON.parse would keep the last of several).
  // Without guessing its elements are found while the members are walked: the 60 MB of a large
  // list are scanned once.
  const found: { at: number; runs?: [number, number][]; end?: number }[] = [];
  const endOf = (name: string, at: number): number => {
    if (name !== 'certificates') return scan.endOfValue(at);
    if (bytes[at] !== 0x5b) {
      found.push({ at });
      return scan.endOfValue(at);
    }
    const r = (guess ? guessedRuns(scan, at) : undefined) ?? exactRuns(scan, at);
    found.push({ at, ...r });
    return r.end;
  };
  for (const _ of scan.members(scan.start(), endOf));
  if (found.length !== 1 || !found[0].runs || found[0].end === undefined) return undefined;
  const { at, runs, end } = found[0] as Required<(typeof found)[0]>;
  const secretPaths: string[] = [];
  const resolve = referenceResolver(bytes, file, secretPaths);
  const rest = resolve(JSON.parse(`${scan.text(0, at)}[]${scan.text(end, bytes.length)}`), []) as Record<string, unknown>;
  delete rest.certificates;
  // Between two runs there is "," and white space only, so the text of a run in brackets parses
  // to exactly its elements: one JSON.parse per run instead of one per certificate.
  function* certificates(): Generator<unknown> {
    let i = 0;
    for (const [s, e] of runs) {
      let run: unknown[];
      try {
        run = JSON.parse(`[${scan.text(s, e)}]`) as unknown[];
      } catch (err) {
        throw guess ? new GuessFailed() : err;
      }
      for (let k = 0; k < run.length; k++) yield resolve(run[k], ['certificates', i++]);
    }
  }
  return { rest, certificates: certificates(), secretPaths };
}

export class GuessFailed extends Error {}

/** Certificates per run found by scanning: fewer JSON.parse calls, yet few objects alive at each young-generation collection. */
const PARSE_BATCH = 100;

/** Runs of PARSE_BATCH elements of the array at `at`, found by scanning every byte (elementBounds). */
function exactRuns(scan: JsonScanner, at: number): { runs: [number, number][]; end: number } {
  const { bounds, end } = scan.elementBounds(at);
  const runs: [number, number][] = [];
  const count = bounds.length / 2;
  for (let first = 0; first < count; first += PARSE_BATCH) runs.push([bounds[2 * first], bounds[2 * Math.min(first + PARSE_BATCH, count) - 1]]);
  return { runs, end };
}

/** Bytes of certificates per guessed run (~100 certificates of a typical config). */
const RUN_BYTES = 64 * 1024;

/**
 * Runs of the certificates array cut without reading every byte, for the layout JSON.stringify
 * (and most editors) write: "certificates" last in the file, one object per element, indented on
 * lines of their own, so that "}," + the white space before the first element + "{" separates
 * two elements and nothing else (a raw line break is never inside a JSON string, and deeper
 * elements are indented more). A native search jumps ~64 KB at a time to the next separator.
 * A wrong cut cannot go unnoticed: a run that does not end where an element ends leaves a string
 * or a bracket open and does not parse (GuessFailed). Undefined when the layout is not that one.
 */
function guessedRuns(scan: JsonScanner, at: number): { runs: [number, number][]; end: number } | undefined {
  const b = scan.bytes as Buffer;
  // The array is the last member: "]" then "}" then white space end the file.
  let close = b.length - 1;
  while (close > at && isSpace(b[close])) close--;
  if (b[close] !== 0x7d) return undefined;
  close--;
  while (close > at && isSpace(b[close])) close--;
  if (b[close] !== 0x5d) return undefined;
  const end = close + 1;
  const first = scan.skipSpace(at + 1);
  if (first === close) return { runs: [], end };
  let last = close - 1;
  while (last > first && isSpace(b[last])) last--;
  const indent = b.subarray(at + 1, first);
  if (b[first] !== 0x7b || b[last] !== 0x7d || !indent.includes(0x0a)) return undefined;
  const separator = Buffer.concat([Buffer.from('},'), indent, Buffer.from('{')]);
  const runs: [number, number][] = [];
  let start = first;
  for (;;) {
    const j = b.indexOf(separator, Math.min(start + RUN_BYTES, last));
    if (j === -1 || j >= last) break;
    runs.push([start, j + 1]);
    start = j + separator.length - 1;
  }
  runs.push([start, last + 1]);
  return { runs, end };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Resolves ${env:}/${file:} references when the text may hold any; a problem throws. */
function referenceResolver(text: Buffer, file: string, secretPaths: string[]): (value: unknown, at: (string | number)[]) => unknown {
  if (!mayHaveReferences(text)) return (value) => value;
  const fail = (): never => {
    throw new Error('unresolvable reference');
  };
  return (value, at) => resolveReferences(value, at, path.dirname(file), secretPaths, fail);
}

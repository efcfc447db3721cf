/**
 * "Would this zod schema accept this value?", answered faster than zod for the plain data a config
 * is (JSON/YAML objects, arrays, strings, numbers), for `plan` over 100,000 certificates: zod
 * builds an output object for every object and array it checks, runs transforms (path.resolve for
 * every file path) and dispatches through several layers per field, ~6 µs per certificate plus the
 * garbage it leaves (bench/RESULTS.md).
 *
 * Sound by construction, never a second opinion: `true` only when zod's own rules, mirrored here
 * for the containers alone (strict objects without refinements, arrays with a minimum or maximum
 * length, optional/default wrappers, discriminated unions), hold and every leaf is accepted by the
 * leaf's own zod schema. Anything else (a schema kind not mirrored, a refinement on an object, a
 * value that is not plain data, an own key holding undefined) answers `false`, which only means
 * "ask zod": callers validate with zod whatever this does not accept. So what is accepted in the
 * end is exactly what zod accepts; test/unit/config/quick-accept.test.ts checks `true` ⇒ zod
 * accepts over many valid and broken certificates.
 */
import type { z } from 'zod';

export type Accept = (value: unknown) => boolean;

type Schema = z.core.$ZodType;

interface Def {
  type: string;
  checks?: { _zod: { def: { check?: string; minimum?: number; maximum?: number; format?: string; pattern?: RegExp } } }[];
  coerce?: boolean;
  values?: unknown[];
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  innerType?: Schema;
  options?: Schema[];
  discriminator?: string;
  unionFallback?: boolean;
}

const defOf = (s: Schema): Def => s._zod.def as unknown as Def;

/**
 * Builds the check for `schema` once. `leaves` replaces the zod check of particular leaf schemas by
 * one that accepts exactly the same values (each entry must say why it is exact).
 */
export function quickAccept(schema: Schema, leaves: ReadonlyMap<Schema, Accept> = new Map()): Accept {
  const built = new Map<Schema, Accept>();
  const build = (s: Schema): Accept => {
    const known = built.get(s);
    if (known) return known;
    // Placeholder for recursive schemas: asks zod, which is always right.
    built.set(s, zodAccepts(s));
    const made = leaves.get(s) ?? container(s, build) ?? leaf(s) ?? remembered(zodAccepts(s));
    built.set(s, made);
    return made;
  };
  return build(schema);
}

function zodAccepts(s: Schema): Accept {
  const schema = s as unknown as z.ZodType;
  return (value) => schema.safeParse(value).success;
}

function container(s: Schema, build: (s: Schema) => Accept): Accept | undefined {
  const def = defOf(s);
  const checks = def.checks ?? [];
  switch (def.type) {
    case 'object':
      return checks.length === 0 ? strictObject(def, build) : undefined;
    case 'array':
      return array(def, build);
    case 'optional':
    case 'default':
    case 'prefault': {
      // A value other than undefined goes to the inner schema as it is (zod's $ZodOptional,
      // $ZodDefault, $ZodPrefault); undefined, rare in plain data, is left to zod.
      if (checks.length > 0 || !def.innerType) return undefined;
      const inner = build(def.innerType);
      const self = zodAccepts(s);
      return (v) => (v === undefined ? self(v) : inner(v));
    }
    case 'union':
      return checks.length === 0 && def.discriminator !== undefined && !def.unionFallback ? discriminated(def, build) : undefined;
    default:
      return undefined;
  }
}

/**
 * The two leaf kinds a config has most of, mirrored: a string (with minimum lengths and regular
 * expressions) and a literal. zod's minimum length counts code points; a string of at least twice
 * the minimum in UTF-16 units always has enough, a shorter one is left to zod.
 */
function leaf(s: Schema): Accept | undefined {
  const def = defOf(s);
  if (def.type === 'literal' && Array.isArray(def.values)) {
    const values = new Set(def.values); // as $ZodLiteral compares
    return (v) => values.has(v);
  }
  if (def.type !== 'string' || def.coerce) return undefined;
  let min = 0;
  const patterns: RegExp[] = [];
  for (const ch of def.checks ?? []) {
    const c = ch._zod.def;
    if (c.check === 'min_length' && typeof c.minimum === 'number') min = Math.max(min, c.minimum);
    else if (c.check === 'string_format' && c.format === 'regex' && c.pattern instanceof RegExp) patterns.push(c.pattern);
    else return undefined;
  }
  const self = zodAccepts(s);
  return (v) => {
    if (typeof v !== 'string') return false;
    if (v.length < 2 * min) return self(v);
    for (const p of patterns) {
      p.lastIndex = 0;
      if (!p.test(v)) return false;
    }
    return true;
  };
}

/**
 * zod's verdict on the first values a leaf meets, remembered: a config repeats many (the same
 * port, reload command, durations) in every certificate. Leaf schemas are functions of their value.
 */
function remembered(accept: Accept, size = 256): Accept {
  const known = new Map<unknown, boolean>();
  return (v) => {
    if (v !== null && typeof v === 'object') return accept(v);
    let verdict = known.get(v);
    if (verdict === undefined) {
      verdict = accept(v);
      if (known.size < size) known.set(v, verdict);
    }
    return verdict;
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * zod's strict object: every key of the input is in the shape, and every field accepts its value.
 * An absent field must be one zod lets be absent (optional or defaulted) and whose schema accepts
 * undefined (a default, or no value at all): stricter than zod's rule where they differ.
 */
function strictObject(def: Def, build: (s: Schema) => Accept): Accept | undefined {
  const shape = def.shape;
  if (!shape || !def.catchall || defOf(def.catchall).type !== 'never') return undefined;
  const keys = Object.keys(shape);
  if (keys.includes('__proto__') || Object.getOwnPropertySymbols(shape).length > 0) return undefined;
  const fields = keys.map((key) => {
    const schema = shape[key];
    const optin = schema._zod.optin;
    const absentOk = (optin === 'optional' || optin === 'defaulted') && zodAccepts(schema)(undefined);
    return { key, absentOk, accept: build(schema) };
  });
  const known = new Set(keys);
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (const k in v) if (!known.has(k)) return false;
    for (const f of fields) {
      const x = v[f.key];
      if (x === undefined) {
        if (f.key in v || !f.absentOk) return false;
      } else if (!f.accept(x)) return false;
    }
    return true;
  };
}

/** zod's array: an Array whose every element (holes read as undefined) is accepted; min/max length. */
function array(def: Def, build: (s: Schema) => Accept): Accept | undefined {
  if (!def.element) return undefined;
  let min = 0;
  let max = Infinity;
  for (const ch of def.checks ?? []) {
    const c = ch._zod.def;
    if (c.check === 'min_length' && typeof c.minimum === 'number') min = Math.max(min, c.minimum);
    else if (c.check === 'max_length' && typeof c.maximum === 'number') max = Math.min(max, c.maximum);
    else return undefined;
  }
  const element = build(def.element);
  return (v) => {
    if (!Array.isArray(v) || v.length < min || v.length > max) return false;
    for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
    return true;
  };
}

/**
 * zod's discriminated union: the option whose discriminator values hold the input's decides
 * alone. A value that no option or more than one option claims is left to zod.
 */
function discriminated(def: Def, build: (s: Schema) => Accept): Accept | undefined {
  const key = def.discriminator!;
  const byValue = new Map<unknown, Schema>();
  const claimedTwice = new Set<unknown>();
  for (const option of def.options ?? []) {
    const values = (option._zod as { propValues?: Record<string, Set<unknown>> }).propValues?.[key];
    if (!values) return undefined;
    for (const value of values) {
      if (byValue.has(value)) claimedTwice.add(value);
      byValue.set(value, option);
    }
  }
  for (const value of claimedTwice) byValue.delete(value);
  byValue.delete(undefined);
  const accepts = new Map([...byValue].map(([value, option]) => [value, build(option)]));
  return (v) => {
    if (!isPlainObject(v)) return false;
    const accept = accepts.get(v[key]);
    return accept !== undefined && accept(v);
  };
}

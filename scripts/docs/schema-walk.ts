/**
 * Reads a zod schema as a reference reader wants it: one table per object, one row per field with
 * its type, default and range, and the sentence `docs` keeps for it (scripts/docs/field-docs.ts).
 * The zod schema is the one the loader validates with, so the reference cannot drift from it; a
 * field without a sentence, or a sentence for a field that no longer exists, is an error here,
 * so `npm run docs` (and the test that compares docs/ with what it writes) fails until they agree.
 *
 * Shape of the output:
 * - an object of more than FLATTEN_UP_TO fields, an array of objects, and each kind of a union of
 *   objects gets a section of its own (a union's kinds are named by their literal fields:
 *   `dns-01 rfc2136`); a smaller object is written as dotted rows in its parent's table;
 * - fields every kind of a union shares (the same schema spread into each, as the notifiers'
 *   common settings) get one section before the kinds, and so do those of a family of kinds
 *   (`every dns-01`);
 * - a union whose kinds are all small and flat (Azure credentials) stays in its parent's table,
 *   each row saying which kinds have it.
 */
import type { z } from 'zod';
import { formatDuration } from '../../src/util/duration.js';
import { Argv, DomainName, Duration, FilePath, HostPort } from '../../src/config/fields.js';
import { DirectoryUrl } from '../../src/config/schema.js';
import { Fraction } from '../../src/policy/schema.js';
import { slug } from './markdown.js';

type Schema = z.core.$ZodType;
type Def = Record<string, unknown> & { type: string };

export interface Row {
  /** Dotted path from the section, e.g. `tsig.name`. */
  field: string;
  type: string;
  default: string;
  range: string;
  description: string;
}

export interface Section {
  /** `certificates[].challenge`, and the kind for one kind of a union (`dns-01 rfc2136`). */
  path: string;
  kind?: string;
  rows: Row[];
}

export interface WalkOptions {
  /** Sentences by documentation key (see docKeys). */
  docs: Record<string, string>;
  /** Paths whose value is described but not opened (a policy reference, documented with the policies). */
  opaque?: Set<string>;
}

/** Objects of up to this many fields are written in their parent's table. */
const FLATTEN_UP_TO = 3;
/** Union kinds of up to this many flat fields are written in their parent's table. */
const INLINE_KIND_UP_TO = 5;

const NAMED = new Map<unknown, string>([
  [FilePath, 'path'],
  [DomainName, 'DNS name'],
  [HostPort, 'HOST:PORT'],
  [Argv, 'command (list)'],
  [Duration, 'duration'],
  [DirectoryUrl, 'URL or alias'],
  [Fraction, 'fraction'],
]);

function def(s: Schema): Def {
  return s._zod.def as unknown as Def;
}

interface Unwrapped {
  inner: Schema;
  optional: boolean;
  defaultValue?: unknown;
  hasDefault: boolean;
  nullable: boolean;
}

function unwrap(s: Schema): Unwrapped {
  const out: Unwrapped = { inner: s, optional: false, hasDefault: false, nullable: false };
  for (;;) {
    const d = def(out.inner);
    if (d.type === 'optional') out.optional = true;
    else if (d.type === 'nullable') out.nullable = true;
    else if (d.type === 'default' || d.type === 'prefault') {
      if (!out.hasDefault) {
        out.hasDefault = true;
        const v = d.defaultValue;
        out.defaultValue = typeof v === 'function' ? (v as () => unknown)() : v;
      }
    } else return out;
    out.inner = d.innerType as Schema;
  }
}

function isDuration(s: Schema): boolean {
  const d = def(s);
  return s === Duration || (d.type === 'pipe' && d.in === Duration);
}

function checks(s: Schema): Record<string, unknown>[] {
  return ((def(s).checks as Schema[] | undefined) ?? []).map((c) => c._zod.def as unknown as Record<string, unknown>);
}

/** The schema that holds the value's constraints: the output side of a pipe, else itself. */
function constrained(s: Schema): Schema {
  const d = def(s);
  return d.type === 'pipe' ? constrained(d.out as Schema) : s;
}

function range(s: Schema): string {
  const duration = isDuration(s);
  let min: number | undefined;
  let max: number | undefined;
  let exclusiveMin = false;
  for (const c of checks(constrained(s))) {
    if (c.check === 'greater_than') {
      min = c.value as number;
      exclusiveMin = !c.inclusive;
    }
    if (c.check === 'less_than') max = c.value as number;
  }
  const show = (v: number) => (duration ? (v === 0 ? '0s' : formatDuration(v)) : v.toLocaleString('en-US'));
  if (min !== undefined && max !== undefined) return `${show(min)}–${show(max)}`;
  if (min !== undefined) return exclusiveMin ? `above ${show(min)}` : `at least ${show(min)}`;
  if (max !== undefined) return `at most ${show(max)}`;
  if (duration) return 'at most 100 years';
  return '';
}

function kindsOf(s: Schema): Schema[] {
  const d = def(s);
  if (d.type === 'union') return (d.options as Schema[]).flatMap(kindsOf);
  return [s];
}

function shape(s: Schema): Record<string, Schema> {
  return def(s).shape as Record<string, Schema>;
}

function isObject(s: Schema): boolean {
  return def(s).type === 'object';
}

/** The literal values that name one kind of a union: `type: dns-01` + `provider: rfc2136`. */
function kindName(s: Schema): string {
  return Object.values(shape(s))
    .map((f) => def(unwrap(f).inner))
    .filter((d) => d.type === 'literal')
    .map((d) => (d.values as unknown[]).join('|'))
    .join(' ');
}

/** A field that is neither an object nor a list or union of objects. */
function isFlat(s: Schema): boolean {
  const inner = unwrap(s).inner;
  const d = def(inner);
  if (d.type === 'object') return false;
  if (d.type === 'array') return isFlat(d.element as Schema);
  if (d.type === 'union') return kindsOf(inner).every((k) => !isObject(k));
  return true;
}

function inlineUnion(kinds: Schema[]): boolean {
  return kinds.every((k) => isObject(k) && Object.keys(shape(k)).length <= INLINE_KIND_UP_TO && Object.values(shape(k)).every(isFlat));
}

export function typeName(s: Schema): string {
  const named = NAMED.get(s);
  if (named) return named;
  if (isDuration(s)) return 'duration';
  const d = def(s);
  switch (d.type) {
    case 'string': {
      if (d.format === 'url') return 'URL';
      if (d.format === 'email') return 'e-mail address';
      return 'string';
    }
    case 'number':
      return checks(s).some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32')) ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    case 'enum':
      return Object.values(d.entries as Record<string, string>).map((v) => `\`${v}\``).join(' \\| ');
    case 'literal':
      return (d.values as unknown[]).map((v) => `\`${String(v)}\``).join(' \\| ');
    case 'record':
      return 'map of name to string';
    case 'array':
      return `list of ${plural(typeName(unwrap(d.element as Schema).inner))}`;
    case 'object':
      return 'object';
    case 'pipe':
      return typeName(d.in as Schema);
    case 'union': {
      const kinds = kindsOf(s);
      const objects = kinds.filter(isObject);
      const others = kinds.filter((k) => !isObject(k)).map(typeName);
      const object = objects.length === 0 ? [] : objects.length === 1 ? ['object'] : [`object (\`${discriminatorOf(objects)}\`: ${objects.map((k) => `\`${kindName(k)}\``).join(', ')})`];
      return [...new Set([...others, ...object])].join(' or ');
    }
    default:
      return d.type;
  }
}

function plural(t: string): string {
  if (t.startsWith('object (')) return `objects${t.slice('object'.length)}`;
  if (t.startsWith('`') || t.includes(' or ')) return t;
  if (t === 'command (list)') return 'commands';
  if (t === 'string') return 'strings';
  if (t.endsWith('address')) return `${t}es`;
  return `${t}s`;
}

function discriminatorOf(kinds: Schema[]): string {
  const first = shape(kinds[0]);
  return Object.keys(first).find((k) => def(unwrap(first[k]).inner).type === 'literal') ?? 'type';
}

/** YAML as a user would write the default. */
export function yamlValue(v: unknown, duration: boolean): string {
  if (duration && typeof v === 'number') return formatDuration(v);
  if (Array.isArray(v)) return `[${v.map((x) => yamlValue(x, false)).join(', ')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, x]) => `${k}: ${yamlValue(x, false)}`).join(', ')} }`;
  }
  return String(v);
}

/**
 * The documentation keys tried for a field, most specific first: `a.b{kind}.c`, then `a.b.c` (a
 * field every kind shares is described once), then `*.b.c` (a setting described the same way
 * wherever it appears, like an Azure credential). Kinds are dropped a word at a time:
 * `challenge{dns-01 rfc2136}` -> `challenge{dns-01}` -> `challenge`.
 */
export function docKeys(key: string, kinds: string[]): string[] {
  let candidates: { key: string; kept: number }[] = [{ key, kept: 0 }];
  for (const kind of kinds) {
    const words = kind.split(' ');
    // `{dns-01 rfc2136}`, `{dns-01}`, then no kind at all.
    const forms = [...words.map((_, i) => `{${words.slice(0, words.length - i).join(' ')}}`), ''];
    candidates = candidates.flatMap((c) => forms.map((form, i) => ({ key: c.key.replace(`{${kind}}`, form), kept: c.kept + words.length - i })));
  }
  const exact = candidates.sort((a, b) => b.kept - a.kept).map((c) => c.key);
  const wildcards = exact.flatMap((k) => {
    const parts = k.split('.');
    return parts.slice(1).map((_, i) => `*.${parts.slice(i + 1).join('.')}`);
  });
  return [...new Set([...exact, ...wildcards])];
}

export class SchemaReference {
  readonly sections: Section[] = [];
  private readonly used = new Set<string>();
  private readonly missing: string[] = [];

  constructor(private readonly opts: WalkOptions) {}

  /** Adds the sections of `schema` (an object) under `path` (`` for the top level). */
  add(path: string, schema: Schema): this {
    this.sectionAt(path, path, unwrap(schema).inner, undefined);
    return this;
  }

  /** Throws when a field has no sentence or a sentence no field. */
  check(): void {
    const stale = Object.keys(this.opts.docs).filter((k) => !this.used.has(k));
    const problems = [
      ...this.missing.map((k) => `no description for ${k}: add it to scripts/docs/field-docs.ts`),
      ...stale.map((k) => `a description for ${k}, which is no field of the schema: remove or rename it in scripts/docs/field-docs.ts`),
    ];
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }

  private describe(key: string, kinds: string[]): string {
    for (const k of docKeys(key, kinds)) {
      if (k in this.opts.docs) {
        this.used.add(k);
        return this.opts.docs[k];
      }
    }
    this.missing.push(key);
    return '';
  }

  private sectionAt(path: string, key: string, object: Schema, kind: string | undefined, only: (field: string) => boolean = () => true): void {
    const section: Section = { path, kind, rows: [] };
    this.sections.push(section);
    this.fields(section, key, '', object, kindsIn(key), only);
  }

  private fields(section: Section, key: string, prefix: string, object: Schema, kinds: string[], only: (field: string) => boolean = () => true): void {
    for (const [name, field] of Object.entries(shape(object))) {
      if (only(name)) this.field(section, key === '' ? name : `${key}.${name}`, `${prefix}${name}`, field, kinds);
    }
  }

  private field(section: Section, key: string, shown: string, field: Schema, kinds: string[]): void {
    const u = unwrap(field);
    const inner = u.inner;
    const d = def(inner);
    // A literal that names the kind of a union needs no sentence: the section says which kind it is.
    const literal = d.type === 'literal' && kinds.length > 0;
    const row: Row = {
      field: shown,
      type: typeName(inner) + (u.nullable ? ' or null' : ''),
      default: u.hasDefault ? `\`${yamlValue(u.defaultValue, isDuration(inner))}\`` : u.optional ? '' : 'required',
      range: range(inner),
      description: literal ? SELECTS : this.describe(key, kinds),
    };
    section.rows.push(row);
    const path = key.replace(/\{[^}]*\}/g, '');
    if (this.opts.opaque?.has(path)) return;
    if (d.type === 'object') {
      if (Object.keys(shape(inner)).length > FLATTEN_UP_TO) {
        row.type = `object, see ${sectionLink(path)}`;
        if (u.hasDefault) row.default = 'see its fields';
        this.sectionAt(path, key, inner, undefined);
      } else this.fields(section, key, `${shown}.`, inner, kinds);
      return;
    }
    const element = d.type === 'array' ? unwrap(d.element as Schema).inner : undefined;
    const union = element ?? inner;
    const objects = kindsOf(union).filter(isObject);
    if (objects.length === 0) return;
    if (!element && inlineUnion(objects)) {
      for (const k of objects) this.inlineKind(section, key, shown, k, kinds);
      return;
    }
    const target = element ? `${path}[]` : path;
    const keyed = element ? `${key}[]` : key;
    if (objects.length === 1) {
      row.type = `${element ? 'list of objects' : 'object'}, see ${sectionLink(target)}`;
      this.sectionAt(target, keyed, objects[0], undefined);
      return;
    }
    row.type = `${typeName(inner)}, see below`;
    this.kindSections(target, keyed, objects);
  }

  /**
   * A section per kind of a union. Fields every kind shares (the same schema, spread into each)
   * are listed once before them, and so are those every kind of a family shares (`dns-01 …`).
   */
  private kindSections(path: string, key: string, kinds: Schema[]): void {
    const everyKind = sharedFields(kinds);
    if (everyKind.size > 0) this.sectionAt(path, key, kinds[0], `every ${discriminatorOf(kinds)}`, (f) => everyKind.has(f));
    const familyOf = (k: Schema) => kindName(k).split(' ')[0];
    const shown = new Set<string>();
    for (const k of kinds) {
      const family = familyOf(k);
      const members = kinds.filter((m) => familyOf(m) === family);
      const shared = members.length > 1 && members.length < kinds.length ? sharedFields(members) : new Set<string>();
      if (shared.size > 0 && !shown.has(family)) {
        shown.add(family);
        this.sectionAt(path, `${key}{${family}}`, k, `every ${family}`, (f) => shared.has(f));
      }
      this.sectionAt(path, `${key}{${kindName(k)}}`, k, kindName(k), (f) => !everyKind.has(f) && !shared.has(f));
    }
  }

  /** Rows of one small kind of a union, in its parent's table: `credential.clientId`. */
  private inlineKind(section: Section, key: string, shown: string, kind: Schema, kinds: string[]): void {
    const name = kindName(kind);
    const temp: Section = { path: section.path, rows: [] };
    this.fields(temp, `${key}{${name}}`, `${shown}.`, kind, [...kinds, name]);
    for (const row of temp.rows) {
      if (row.description === SELECTS) continue;
      // The same field in several kinds, said the same way: one row naming them all.
      const same = section.rows.find((r) => r.field === row.field && r.type === row.type && r.description.replace(/^\(with [^)]*\) /, '') === row.description);
      if (same) same.description = same.description.replace(/^\(with ([^)]*)\) /, `(with $1, ${name}) `);
      else section.rows.push({ ...row, description: `(with ${name}) ${row.description}` });
    }
  }
}

const SELECTS = 'selects this kind';

/** The fields (not the literals naming a kind) that are the same schema in every one of `kinds`. */
function sharedFields(kinds: Schema[]): Set<string> {
  const [first, ...rest] = kinds.map(shape);
  return new Set(
    Object.keys(first).filter((f) => def(unwrap(first[f]).inner).type !== 'literal' && rest.every((other) => other[f] === first[f])),
  );
}

function kindsIn(key: string): string[] {
  return [...key.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
}

/** The heading a section gets (render-configuration.ts writes it the same way). */
export function sectionHeading(path: string, kind?: string): string {
  if (path === '') return 'Top level';
  return kind ? `\`${path}\`: ${kind}` : `\`${path}\``;
}

function sectionLink(path: string): string {
  return `[\`${path}\`](#${slug(sectionHeading(path))})`;
}

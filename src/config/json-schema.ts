/**
 * The JSON Schema of certloop.yaml, generated from the same zod schema the loader uses, for
 * editors (yaml-language-server) and CI linters. It describes what users *write* (io: 'input'):
 * durations as "30s" or seconds, relative paths, directory aliases, omitted defaults.
 *
 * What a JSON Schema cannot say is left to the loader and documented in docs/configuration.md: unique
 * certificate and watched endpoint names and domains, wildcards needing dns-01, and whether ${env:}/${file:}
 * references resolve. Refinements zod cannot export (DNS names, durations, exactly one of
 * listen/webroot) are added back here by hand, keyed on the zod schema objects themselves.
 */
import { z } from 'zod';
import { Http01Config } from '../../providers/challenges/http-01/schema.js';
import { DomainName, Duration, DURATION_RANGES } from './fields.js';
import { formatDuration } from '../util/duration.js';
import { Config, DIRECTORY_ALIASES, DirectoryUrl } from './schema.js';

type JsonSchema = Record<string, unknown>;

/** Where the schema says it lives; editors only use it as an identifier. */
export const SCHEMA_ID = 'https://certloop.dev/schema/certloop.schema.json';

/** `${env:NAME}` / `${file:PATH}` anywhere in a string: resolved at load time, so any string may be one. */
const REFERENCE_PATTERN = '\\$\\{(env|file):[^}]+\\}';

// The last label is not all digits: that is an IPv4 address (fields.ts isDomainName).
const DNS_NAME_PATTERN = '^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+(?![0-9]+$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';
// An IP identifier (RFC 8738): a dotted quad, or hex groups with colons (the loader checks the exact form).
const IP_PATTERN = '^(\\d{1,3}\\.){3}\\d{1,3}$|^[0-9a-fA-F]{0,4}:[0-9a-fA-F:.]*$';
const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?|(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+)\\s*$';

export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(Config, {
    io: 'input',
    // draft-07 is what yaml-language-server and most editors understand best.
    target: 'draft-7',
    // Refinements and transforms have no JSON Schema form; their input shape is still described.
    unrepresentable: 'any',
    override: (ctx) => {
      const out = ctx.jsonSchema as JsonSchema;
      if (ctx.zodSchema === DomainName) Object.assign(out, { pattern: `${DNS_NAME_PATTERN}|${IP_PATTERN}`, maxLength: 255 });
      // A domain listed twice is an error; the loader says so too.
      if (ctx.zodSchema._zod.def.type === 'array' && (ctx.zodSchema._zod.def as { element?: unknown }).element === DomainName) out.uniqueItems = true;
      const range = DURATION_RANGES.get(ctx.zodSchema);
      if (ctx.zodSchema === Duration || range) {
        for (const k of Object.keys(out)) delete out[k];
        // The range of a string cannot be said in JSON Schema; the loader checks it, and seconds get their bounds here.
        Object.assign(out, {
          description: `a duration such as "30s", "10m", "4h", "30d", "1h30m", or a number of seconds${range ? `, between ${formatDuration(range.minMs)} and ${formatDuration(range.maxMs)}` : ''}`,
          anyOf: [{ type: 'string', pattern: DURATION_PATTERN }, { type: 'number', minimum: (range?.minMs ?? 0) / 1000, ...(range ? { maximum: range.maxMs / 1000 } : {}) }],
        });
      }
      if (ctx.zodSchema === DirectoryUrl) {
        for (const k of Object.keys(out)) delete out[k];
        Object.assign(out, {
          description: `an ACME directory URL, or one of the aliases ${Object.keys(DIRECTORY_ALIASES).join(', ')}`,
          type: 'string',
          pattern: `^(${Object.keys(DIRECTORY_ALIASES).join('|')}|https?://.+)$`,
        });
      }
      if (ctx.zodSchema === Http01Config) {
        // oneOf: with both present both branches match, which oneOf rejects.
        out.oneOf = [{ required: ['listen'] }, { required: ['webroot'] }];
      }
    },
  }) as JsonSchema;
  // Config's superRefine: at least one certificate, unless there are endpoints to watch (issue 18).
  schema.anyOf = [{ required: ['certificates'], properties: { certificates: { type: 'array', minItems: 1 } } }, { required: ['watch'] }];
  allowReferences(schema);
  return {
    $schema: schema.$schema,
    $id: SCHEMA_ID,
    title: 'certloop configuration (certloop.yaml)',
    description: 'ACME renewal, deployment and served-serial verification. Reference: docs/configuration.md.',
    ...schema,
  };
}

/**
 * A string field with a format, pattern or choice list also accepts a secret reference, because
 * the loader substitutes references before it validates: `email: ${env:ACME_EMAIL}` is valid.
 */
function allowReferences(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(allowReferences);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as JsonSchema;
  for (const v of Object.values(n)) allowReferences(v);
  if (Array.isArray(n.anyOf)) n.anyOf = flattenAnyOf(n.anyOf as JsonSchema[]);
  const constrained = n.type === 'string' && ('pattern' in n || 'format' in n || 'enum' in n);
  if (!constrained) return;
  const original: JsonSchema = {};
  for (const k of ['type', 'pattern', 'format', 'enum', 'minLength', 'maxLength']) {
    if (k in n) {
      original[k] = n[k];
      delete n[k];
    }
  }
  n.anyOf = [original, { type: 'string', pattern: REFERENCE_PATTERN }];
}

/** anyOf inside anyOf (a wrapped branch of a union) reads badly in editors: lift it, once. */
function flattenAnyOf(branches: JsonSchema[]): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const b of branches.flatMap((b) => (Object.keys(b).length === 1 && Array.isArray(b.anyOf) ? (b.anyOf as JsonSchema[]) : [b]))) {
    if (!out.some((o) => JSON.stringify(o) === JSON.stringify(b))) out.push(b);
  }
  return out;
}

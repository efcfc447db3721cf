/**
 * Reusable schema pieces for the config and for provider schemas, so every provider validates
 * host names, durations and argv the same way and says the same thing when they are wrong.
 */
import path from 'node:path';
import { z } from 'zod';
import { formatDuration, parseDuration } from '../util/duration.js';

/**
 * The longest duration anything accepts: a hundred years. Beyond about 270,000 years a time
 * computed from it is no Date at all (`new Date(now + ms)` is invalid and toISOString throws), and
 * nothing certloop schedules is meant to be further away than this.
 */
export const MAX_DURATION_MS = 100 * 365 * 86_400_000;

/** A duration like "10s", "4h", "30d" (or seconds as a number), parsed to milliseconds. */
export const Duration = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as "30s", "10m", "4h" or "30d", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (ms > MAX_DURATION_MS) {
      ctx.addIssue({ code: 'custom', message: `expected a duration of at most 100 years, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });

/** The range each bounded duration accepts, for the editor schema (json-schema.ts). */
export const DURATION_RANGES = new WeakMap<z.core.$ZodType, { minMs: number; maxMs: number }>();

/**
 * A duration that sets a timer or a wait, between `minMs` and `maxMs`. Issue 16: `verifyInterval:
 * 0s` ran thousands of verify passes a second, and `verify.timeout: 99999999999d` overflowed
 * Node's timer and became 1 ms. The message names the range; the loader adds the file, line and field.
 */
export function DurationWithin(minMs: number, maxMs: number) {
  const message = `expected a duration between ${formatDuration(minMs)} and ${formatDuration(maxMs)}`;
  const schema = Duration.pipe(z.number().min(minMs, message).max(maxMs, message));
  DURATION_RANGES.set(schema, { minMs, maxMs });
  return schema;
}


/** "host:port"; IPv6 in brackets: "[::1]:5002". */
export const HostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, {
  message: 'expected HOST:PORT, for example 127.0.0.1:5002 or [::1]:5002',
});

/** A DNS name as ACME accepts it: lower-case letters, digits, hyphens; an optional leading "*.". */
export const DomainName = z.string().refine(isDomainName, {
  message: 'expected a lower-case DNS name with at least one dot, such as www.example.com or *.example.com',
});

/**
 * At most 253 characters (after a leading "*."), at least two labels, each label 1-63 of a-z, 0-9
 * and "-", neither starting nor ending with "-". A loop rather than split and a regular expression
 * per label: plan checks 200,000 names (test/unit/config/fields.test.ts compares the two).
 */
export function isDomainName(s: string): boolean {
  const from = s.startsWith('*.') ? 2 : 0;
  const end = s.length;
  if (end - from > 253) return false;
  let start = from;
  let labels = 0;
  for (let i = from; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const length = i - start;
      if (length < 1 || length > 63 || s.charCodeAt(start) === 0x2d || s.charCodeAt(i - 1) === 0x2d) return false;
      labels++;
      start = i + 1;
    } else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return false;
  }
  return labels >= 2;
}

/** A command to run without a shell: program then arguments. */
export const Argv = z
  .array(z.string().min(1, 'an argument cannot be empty'))
  .min(1, 'expected a command as a list: [program, arg, ...] (it runs without a shell)');

export const Port = z.number().int().min(1).max(65535);

let baseDir = process.cwd();

/**
 * Runs a schema parse with relative paths resolved against `dir` (the config file's folder), so
 * `./live/web/fullchain.pem` means the same thing from cron, systemd and a shell. Zod parses
 * synchronously, so the setting cannot leak into another parse.
 */
export function withBaseDir<T>(dir: string, fn: () => T): T {
  const saved = baseDir;
  baseDir = dir;
  try {
    return fn();
  } finally {
    baseDir = saved;
  }
}

/** A file or folder path; relative paths are taken from the config file's folder. */
export const FilePath = z
  .string()
  .min(1, 'expected a path')
  .transform((p) => resolvePath(baseDir, p));

function resolvePath(dir: string, p: string): string {
  return path.resolve(dir, p);
}

/**
 * Reusable schema pieces for the config and for provider schemas, so every provider validates
 * host names, durations and argv the same way and says the same thing when they are wrong.
 */
import net from 'node:net';
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


/** A port 0-65535 as text (a regular expression, so quick-accept.ts mirrors it). */
export const PORT_TEXT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|\\d{1,4})';

/**
 * "host:port"; IPv6 in brackets: "[::1]:5002". The port is 0-65535: `127.0.0.1:99999` passed the
 * check and then failed at listen (issue 16). Port 0 asks the system for a free port.
 */
export const HostPort = z.string().regex(new RegExp(`^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):${PORT_TEXT}$`), {
  message: 'expected HOST:PORT with a port up to 65535, for example 127.0.0.1:5002 or [::1]:5002',
});

/**
 * An identifier of a certificate: a DNS name as ACME accepts it (lower-case letters, digits,
 * hyphens; an optional leading "*."), or an IPv4/IPv6 address (RFC 8738 identifier type "ip",
 * which CAs validate over http-01 only: schema.ts refuses dns-01 for them).
 */
export const DomainName = z.string().refine((s) => isDomainName(s) || isIpIdentifier(s), {
  error: (issue) =>
    typeof issue.input === 'string' && issue.input.includes('%')
      ? `"${issue.input}" has a zone index: an IP identifier (RFC 8738) is a plain IPv4 or IPv6 address such as 192.0.2.10 or 2001:db8::10`
      : 'expected a lower-case DNS name with at least one dot, such as www.example.com or *.example.com, or an IP address such as 192.0.2.10',
});

/**
 * An ACME profile name (draft-ietf-acme-profiles): a key of the directory's meta.profiles, such
 * as Let's Encrypt's classic, tlsserver or shortlived.
 */
export const ProfileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  message: 'expected an ACME profile name such as classic, tlsserver or shortlived (the names the CA lists in its directory\'s meta.profiles)',
});

/** An IPv4 or IPv6 address usable as an ACME "ip" identifier (RFC 8738 §3): no zone index. */
export function isIpIdentifier(s: string): boolean {
  return net.isIP(s) !== 0 && !s.includes('%');
}

/**
 * At most 253 characters (after a leading "*."), at least two labels, each label 1-63 of a-z, 0-9
 * and "-", neither starting nor ending with "-", the last one not all digits (that is an IPv4
 * address, or a name no CA issues for). A loop rather than split and a regular expression per
 * label: plan checks 200,000 names (test/unit/config/fields.test.ts compares the two).
 */
export function isDomainName(s: string): boolean {
  const from = s.startsWith('*.') ? 2 : 0;
  const end = s.length;
  if (end - from > 253) return false;
  let start = from;
  let labels = 0;
  let digitsOnly = true;
  for (let i = from; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const length = i - start;
      if (length < 1 || length > 63 || s.charCodeAt(start) === 0x2d || s.charCodeAt(i - 1) === 0x2d) return false;
      labels++;
      start = i + 1;
      if (i < end) digitsOnly = true;
    } else if (c >= 0x30 && c <= 0x39) continue;
    else if ((c >= 0x61 && c <= 0x7a) || c === 0x2d) digitsOnly = false;
    else return false;
  }
  return labels >= 2 && !digitsOnly;
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

/**
 * A key equal for two paths exactly when FilePath, in the parse under way, resolves them to the
 * same file: for config/outline.ts, which skips zod and meets 200,000 paths in `plan`. Built
 * without path.resolve or joining strings for the shapes configs use ("./live/x/key.pem",
 * "live/x/key.pem", "/etc/ssl/key.pem": no "." or ".." segment, no "//", no trailing "/"): the
 * path below the config's folder, or the absolute path of a file outside it (which starts with
 * "/", so the two kinds never meet). test/unit/config/fields.test.ts holds it to path.resolve.
 */
export function configPathKey(p: string): string {
  const rel = p.startsWith('./') && p.charCodeAt(2) !== 0x2f ? p.slice(2) : p;
  const plain = isPlainPath(rel);
  if (plain && rel.charCodeAt(0) !== 0x2f) return rel;
  return resolvedPathKey(plain ? rel : resolvePath(baseDir, p));
}

/** configPathKey of a path FilePath already resolved. */
export function resolvedPathKey(abs: string): string {
  const prefix = baseDir.endsWith('/') ? baseDir : `${baseDir}/`;
  return abs.startsWith(prefix) && abs.length > prefix.length ? abs.slice(prefix.length) : abs;
}

/** No empty, "." or ".." segment, no NUL, not ending in "/" (one pass: plan meets 200,000 paths). */
function isPlainPath(p: string): boolean {
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    const c = i < p.length ? p.charCodeAt(i) : 0x2f;
    if (c === 0) return false;
    if (c !== 0x2f) continue;
    const n = i - start;
    // An empty segment is fine only as the leading "/" of an absolute path.
    if ((n === 0 && i !== 0) || (n === 1 && p.charCodeAt(start) === 0x2e) || (n === 2 && p.charCodeAt(start) === 0x2e && p.charCodeAt(start + 1) === 0x2e)) return false;
    start = i + 1;
  }
  return p.length > 0;
}

function resolvePath(dir: string, p: string): string {
  return path.resolve(dir, p);
}

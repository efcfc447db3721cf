/**
 * The resolved configuration as `certloop config check` shows it: defaults applied, paths
 * resolved, and every secret masked. A value is secret when it came from a ${env:}/${file:}
 * reference (the loader records those paths) or when its field name says so (hmacKey,
 * clientSecret, password, token...), so a secret written inline by mistake is not echoed either.
 */
import type { LoadedConfig } from './load.js';
import { formatPath } from './load.js';

export const MASK = '********';

/** Field names that hold secrets. `key` alone is a file path (file target) or a key spec, not a secret. */
const SECRET_NAME = /secret|password|passphrase|token|hmac|credential|privatekey|keypem|apikey|sas$|connectionstring/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function maskedConfig(config: LoadedConfig): Record<string, unknown> {
  const { file: _file, baseDir: _baseDir, secretPaths, ...rest } = config;
  const secret = new Set(secretPaths);
  return mask(rest, [], secret) as Record<string, unknown>;
}

function mask(value: unknown, at: (string | number)[], secret: Set<string>): unknown {
  if (secret.has(formatPath(at))) return MASK;
  if (Array.isArray(value)) return value.map((v, i) => mask(v, [...at, i], secret));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, typeof v === 'string' && isSecretName(k) ? MASK : mask(v, [...at, k], secret)]),
    );
  }
  return value;
}

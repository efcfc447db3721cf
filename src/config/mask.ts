/**
 * The resolved configuration as `certloop config check` shows it: defaults applied, paths
 * resolved, and every secret masked. A value is secret when it came from a ${env:}/${file:}
 * reference (the loader records those paths) or when its field name says so (hmacKey,
 * clientSecret, password, token...), so a secret written inline by mistake is not echoed either;
 * so are a Slack or Teams webhook URL, a webhook's header values, and the user info and query of
 * a webhook URL, which are credentials whatever their field is called.
 */
import type { LoadedConfig } from './load.js';
import { formatPath } from './field-path.js';

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

/** Notifiers whose URL is itself the credential (whoever has it can post to the channel). */
const URL_IS_SECRET = new Set(['slack', 'teams']);

function mask(value: unknown, at: (string | number)[], secret: Set<string>): unknown {
  if (secret.has(formatPath(at))) return MASK;
  if (Array.isArray(value)) return value.map((v, i) => mask(v, [...at, i], secret));
  if (value && typeof value === 'object') {
    const type = (value as { type?: unknown }).type;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if ((typeof v === 'string' && isSecretName(k)) || secret.has(formatPath([...at, k]))) return [k, MASK];
        // Written inline rather than as ${env:}: a Slack or Teams URL, a webhook's headers
        // (Authorization) and whatever a webhook URL carries in its user info or query.
        if (k === 'url' && typeof v === 'string' && typeof type === 'string') {
          if (URL_IS_SECRET.has(type)) return [k, MASK];
          if (type === 'webhook') return [k, maskUrlCredentials(v)];
        }
        if (k === 'headers' && type === 'webhook' && v && typeof v === 'object') return [k, Object.fromEntries(Object.keys(v).map((h) => [h, MASK]))];
        return [k, mask(v, [...at, k], secret)];
      }),
    );
  }
  return value;
}

/** https://user:pass@host/path?token=x → https://********@host/path?******** */
function maskUrlCredentials(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return MASK;
  }
  const userinfo = url.username || url.password ? `${MASK}@` : '';
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${url.search ? `?${MASK}` : ''}`;
}

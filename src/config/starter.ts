/**
 * The starter certloop.yaml that `certloop init` writes: one certificate, commented so a first-time
 * user knows what each line does and what to change, with the yaml-language-server schema comment
 * so editors complete and check it.
 */
import { stringify } from 'yaml';

export interface StarterOptions {
  domains: string[];
  email?: string;
  /** Certificate name; default: the first domain without "*.". */
  name?: string;
  directory?: string;
  /** http-01 through a web server's document root ... */
  webroot?: string;
  /** ... or certloop answering http-01 itself on HOST:PORT. */
  standalone?: string;
  /** Fill the reload command and endpoints for an nginx on this machine. */
  nginx?: boolean;
  /** Where the certificate files go (default ./live/NAME). */
  live?: string;
  /** Value of the yaml-language-server $schema comment. */
  schema: string;
}

export const DEFAULT_STANDALONE = '0.0.0.0:80';

/** YAML flow scalar for one value, quoted only when YAML needs it. */
function y(v: unknown): string {
  return stringify(v, { flow: true, lineWidth: 0 }).trimEnd();
}

export function starterName(domains: string[]): string {
  return domains[0].replace(/^\*\./, '').replace(/[^A-Za-z0-9._-]/g, '-');
}

export function starterConfig(o: StarterOptions): string {
  const name = o.name ?? starterName(o.domains);
  const live = o.live ?? `./live/${name}`;
  const challenge = o.webroot
    ? `{ type: http-01, webroot: ${y(o.webroot)} }   # your web server must serve DIR/.well-known/acme-challenge/`
    : `{ type: http-01, listen: ${y(o.standalone ?? DEFAULT_STANDALONE)} }   # certloop answers the CA itself; port 80 must reach it`;
  const lines = [
    `# yaml-language-server: $schema=${o.schema}`,
    '# certloop configuration, written by `certloop init`. Every field: docs/configuration.md.',
    '# Check it with `certloop config check`; the first `certloop run` orders, deploys and verifies.',
    '',
    'acme:',
    '  # Try letsencrypt-staging first (untrusted test certificates, generous rate limits), then switch.',
    `  directory: ${y(o.directory ?? 'letsencrypt')}`,
    o.email ? `  email: ${y(o.email)}                # expiry and account notices from the CA` : '  # email: ops@example.com           # expiry and account notices from the CA',
    '  # Further CAs, tried in order when this one keeps failing (docs/configuration.md "Fallback CAs"):',
    '  # fallback:',
    '  #   - directory: https://acme.zerossl.com/v2/DV90',
    '  #     eab: { kid: "${env:ZEROSSL_EAB_KID}", hmacKey: "${env:ZEROSSL_EAB_HMAC_KEY}" }',
    'state: ./certloop.db                    # private keys live here (0600); back it up like a key',
    '',
    'certificates:',
    `  - name: ${y(name)}`,
    `    domains: ${y(o.domains)}`,
    '    key: { type: ecdsa-p256 }           # or ecdsa-p384, rsa-2048, rsa-3072, rsa-4096',
    `    challenge: ${challenge}`,
    '    targets:',
    '      - type: file',
    `        cert: ${y(`${live}/fullchain.pem`)}   # leaf + chain (nginx ssl_certificate)`,
    `        key: ${y(`${live}/privkey.pem`)}      # written 0600 (nginx ssl_certificate_key)`,
    o.nginx
      ? '        reload: [nginx, -s, reload]     # argv, no shell; a failing reload is a failed deploy'
      : '        # reload: [systemctl, reload, nginx]   # argv, no shell; run after the files are written',
    '    verify:',
    '      # certloop connects to every address of every endpoint and checks the new serial is served.',
    ...(o.nginx
      ? ['      endpoints:', ...o.domains.filter((d) => !d.startsWith('*.')).map((d) => `        - { host: ${y(d)}, port: 443 }`)]
      : [
          '      # None yet: nothing confirms a deploy, so the certificate stays Deployed (never Ready) and',
          '      # `certloop run` exits 1. List where it is served, or write `unverified: true` to accept that.',
          '      endpoints: []                    # e.g. - { host: www.example.com, port: 443 }',
        ]),
    '',
  ];
  return lines.join('\n');
}

/**
 * Config texts shared by the loader tests (load.test.ts) and the JSON Schema tests
 * (json-schema.test.ts): the documented example, and malformed variants with the message the
 * loader must give. A case added here is checked by both.
 */

export const GOOD = `acme:
  directory: https://localhost:14000/dir
  email: ops@example.com
  caBundle: ./pebble-ca.pem
state: ./certloop.db
certificates:
  - name: web
    domains: [a.test, b.test]
    key: { type: ecdsa-p256 }
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets:
      - type: file
        cert: ./live/web/fullchain.pem
        key: ./live/web/privkey.pem
        reload: [nginx, -p, ./nginx, -c, nginx.conf, -s, reload]
    verify:
      endpoints:
        - { host: 127.0.0.1, port: 8443, sni: a.test }
      trust: ./pebble-root.pem
`;

/** A "billion laughs": nine levels of nine aliases each, ~387 million strings if expanded. */
export const ALIAS_BOMB = [
  '  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...Array.from({ length: 8 }, (_, i) => `  a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`),
].join('\n') + '\n';

export const MALFORMED: [name: string, text: string, expected: RegExp][] = [
  ['a YAML syntax error names the line', GOOD.replace('domains: [a.test, b.test]', 'domains: [a.test, b.test'), /certloop\.yaml:\d+:\d+: YAML syntax/],
  ['a missing acme section is named', GOOD.replace(/^acme:[\s\S]*?state:/m, 'state:'), /acme: required field is missing/],
  ['an unknown top-level field is named with its line', GOOD + 'stat: oops\n', /certloop\.yaml:\d+:\d+: unknown field "stat"/],
  ['a typo inside a certificate is named by path', GOOD.replace('domains:', 'domain:'), /certificates\[0\]: unknown field "domain"/],
  ['an unknown key type lists the choices', GOOD.replace('ecdsa-p256', 'ed25519'), /certificates\[0\]\.key\.type: expected one of "ecdsa-p256"/],
  ['an unknown challenge type says which exist', GOOD.replace('type: http-01', 'type: tls-alpn-01'), /certificates\[0\]\.challenge(\.type)?: unknown challenge type/],
  ['http-01 without listen or webroot', GOOD.replace(', listen: 127.0.0.1:5002', ''), /exactly one of listen/],
  ['a listen address without a port', GOOD.replace('127.0.0.1:5002', '127.0.0.1'), /expected HOST:PORT/],
  ['an unknown target type', GOOD.replace('type: file', 'type: ftp'), /unknown target type/],
  ['a target without a key path', GOOD.replace('        key: ./live/web/privkey.pem\n', ''), /targets\[0\]\.key: required field is missing/],
  ['reload given as a shell string', GOOD.replace('[nginx, -p, ./nginx, -c, nginx.conf, -s, reload]', '"nginx -s reload"'), /reload: expected array/],
  ['no targets at all', GOOD.replace(/    targets:[\s\S]*?    verify:/, '    targets: []\n    verify:'), /at least one target/],
  ['an upper-case or dotless domain', GOOD.replace('a.test, b.test', 'A.TEST, localhost'), /domains\[0\]: expected a lower-case DNS name[\s\S]*domains\[1\]/],
  ['a wildcard over http-01', GOOD.replace('a.test, b.test', '"*.a.test"'), /needs a dns-01 challenge/],
  ['a duplicate domain', GOOD.replace('a.test, b.test', 'a.test, a.test'), /listed twice/],
  ['a duplicate certificate name', GOOD + GOOD.slice(GOOD.indexOf('  - name: web')), /duplicate certificate name "web"/],
  ['a port out of range', GOOD.replace('port: 8443', 'port: 70000'), /endpoints\[0\]\.port/],
  ['a bad duration', GOOD.replace('trust: ./pebble-root.pem', 'trust: ./pebble-root.pem\n      timeout: soon'), /expected a duration/],
  ['a directory that is not a URL', GOOD.replace('https://localhost:14000/dir', 'localhost'), /acme\.directory: expected an https:\/\/ ACME directory URL/],
  ['an invalid email', GOOD.replace('ops@example.com', 'ops'), /acme\.email: expected an e-mail address/],
  ['an unset environment reference', GOOD.replace('ops@example.com', '${env:CERTLOOP_SURELY_UNSET}'), /CERTLOOP_SURELY_UNSET is not set/],
  ['an unreadable file reference', GOOD.replace('ops@example.com', '${file:/nonexistent/secret}'), /cannot read \/nonexistent\/secret/],
  ['a document that is a list', '- a\n- b\n', /expected a YAML mapping/],
  ['a name with a slash', GOOD.replace('name: web', 'name: web/1'), /certificates\[0\]\.name: expected a name/],
  ['a fallback CA without a directory', GOOD.replace('  caBundle: ./pebble-ca.pem\n', '  caBundle: ./pebble-ca.pem\n  fallback:\n    - email: ops@example.com\n'), /acme\.fallback\[0\]\.directory: required field is missing/],
  ['a fallback CA with an unknown field', GOOD.replace('  caBundle: ./pebble-ca.pem\n', '  caBundle: ./pebble-ca.pem\n  fallback:\n    - { directory: https://ca.example/dir, cabundle: x.pem }\n'), /acme\.fallback\[0\]: unknown field "cabundle"/],
  ['an external account binding without its HMAC key', GOOD.replace('  caBundle: ./pebble-ca.pem\n', '  caBundle: ./pebble-ca.pem\n  eab: { kid: abc }\n'), /acme\.eab\.hmacKey: required field is missing/],
  ['unverified: true beside endpoints', GOOD.replace('      trust: ./pebble-root.pem\n', '      trust: ./pebble-root.pem\n      unverified: true\n'), /certificates\[0\]\.verify\.unverified: unverified: true means no endpoint confirms this certificate, but endpoints are listed/],
  ['no certificates', GOOD.slice(0, GOOD.indexOf('certificates:')) + 'certificates: []\n', /at least one certificate/],
  // Issue 16: each of these passed `config check` and then failed the run.
  ['a daemon listen port above 65535', `${GOOD}listen: 127.0.0.1:99999\n`, /certloop\.yaml:\d+:\d+: listen: expected HOST:PORT with a port up to 65535/],
  ['an http-01 listen port above 65535', GOOD.replace('listen: 127.0.0.1:5002', 'listen: 127.0.0.1:65536'), /challenge\.listen: expected HOST:PORT with a port up to 65535/],
  ['a dns-01 server port above 65535', GOOD.replace('{ type: http-01, listen: 127.0.0.1:5002 }', '{ type: dns-01, provider: rfc2136, server: "127.0.0.1:70000" }'), /challenge\.server: expected HOST or HOST:PORT \(a port up to 65535\)/],
  ['an IP address among the domains of a dns-01 certificate', GOOD.replace('a.test, b.test', 'a.test, 192.0.2.10').replace('{ type: http-01, listen: 127.0.0.1:5002 }', '{ type: dns-01, provider: rfc2136, server: "127.0.0.1:53" }'), /domains\[1\]: "192\.0\.2\.10" is an IP address: CAs validate IP identifiers over http-01 only \(RFC 8738 §7 forbids dns-01/],
  ['an IPv6 address with a zone index among the domains', GOOD.replace('a.test, b.test', 'a.test, "fe80::1%eth0"'), /domains\[1\]: "fe80::1%eth0" has a zone index/],
  ['cert and key on the same path', GOOD.replace('key: ./live/web/privkey.pem', 'key: ./live/web/fullchain.pem'), /targets\[0\]\.key: \/etc\/certloop\/live\/web\/fullchain\.pem is also written by certificates\[0\]\.targets\[0\]\.cert/],
  ['two certificates writing the same key file', GOOD + GOOD.slice(GOOD.indexOf('  - name: web')).replace('name: web', 'name: web2').replace('./live/web/fullchain.pem', './live/web2/fullchain.pem'), /certificates\[1\]\.targets\[0\]\.key: .*privkey\.pem is also written by certificates\[0\]\.targets\[0\]\.key/],
  ['an SNI with a space', GOOD.replace('sni: a.test', 'sni: "a test"'), /endpoints\[0\]\.sni: expected the host name to send as SNI/],
  ['an EAB HMAC key that is not base64url', GOOD.replace('  caBundle: ./pebble-ca.pem\n', '  caBundle: ./pebble-ca.pem\n  eab: { kid: abc, hmacKey: "c2VjcmV0+/==!" }\n'), /acme\.eab\.hmacKey: expected the base64url HMAC key the CA gave you \(letters, digits/],
  ['an e-mail address longer than 254 characters', GOOD.replace('ops@example.com', `${'o'.repeat(10_000)}@example.com`), /acme\.email: expected an e-mail address for the ACME account contact \(at most 254 characters\)/],
  ['a reload timeout of 0s', GOOD.replace('reload: [nginx', 'reloadTimeout: 0s\n        reload: [nginx'), /targets\[0\]\.reloadTimeout: expected a duration between 1s and 1h/],
  ['a YAML alias bomb', `${GOOD}bomb:\n${ALIAS_BOMB}`, /certloop\.yaml:\d+:\d+: YAML: .*aliases \(\*name\) here expand to too much data/],
  ['a port of 1e400', GOOD.replace('port: 8443', 'port: 1e400'), /endpoints\[0\]\.port: expected number, got a value too large for a number \(1e400 or \.inf\)/],
  ['a port of .nan', GOOD.replace('port: 8443', 'port: .nan'), /endpoints\[0\]\.port: expected number, got \.nan \(not a number\)/],
];

/** Valid configs at the edges of the rules above: the loader must accept each (load.test.ts). */
export const ACCEPTED: [name: string, text: string][] = [
  ['the highest port numbers', `${GOOD.replace('listen: 127.0.0.1:5002', 'listen: 127.0.0.1:65535').replace('port: 8443', 'port: 65535')}listen: "[::1]:65535"\n`],
  ['port 0 for the daemon, which asks the system for a free port', `${GOOD}listen: 127.0.0.1:0\n`],
  ['an IPv6 challenge address', GOOD.replace('listen: 127.0.0.1:5002', 'listen: "[::1]:5002"')],
  ['IPv4 and IPv6 addresses among the domains of an http-01 certificate (RFC 8738)', GOOD.replace('a.test, b.test', 'a.test, 192.0.2.10, "2001:db8::10"')],
  ['a domain with a numeric first label', GOOD.replace('a.test, b.test', '1.example.com, a.test')],
  ['an SNI with an underscore and capitals', GOOD.replace('sni: a.test', 'sni: Web_1.A.test')],
  ['a base64url EAB key with padding', GOOD.replace('  caBundle: ./pebble-ca.pem\n', '  caBundle: ./pebble-ca.pem\n  eab: { kid: kid-1, hmacKey: "aG1hYw-_aG1hYw==" }\n')],
  ['an e-mail address of exactly 254 characters', GOOD.replace('ops@example.com', `${'o'.repeat(242)}@example.com`)],
  ['a reload timeout of 1s, the shortest allowed', GOOD.replace('reload: [nginx', 'reloadTimeout: 1s\n        reload: [nginx')],
  ['a chain file beside the certificate and key', GOOD.replace('        key: ./live/web/privkey.pem\n', '        key: ./live/web/privkey.pem\n        chain: ./live/web/chain.pem\n')],
  ['two certificates with files of their own', GOOD + GOOD.slice(GOOD.indexOf('  - name: web')).replace('name: web', 'name: web2').replaceAll('/live/web/', '/live/web2/')],
  ['the state as a typed store in a folder not created yet', GOOD.replace('state: ./certloop.db', 'state: { type: sqlite, path: ./state/new/certloop.db }')],
];

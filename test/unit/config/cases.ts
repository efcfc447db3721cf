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
];

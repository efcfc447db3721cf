/** The `watch:` section (issue 18): its shapes, its defaults, and the messages for what is wrong. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { resolvedPolicyFor } from '../../../src/policy/load.js';
import { configProblems } from '../../support/config-problems.js';

const FILE = '/etc/certloop/certloop.yaml';
const ACME = 'acme:\n  directory: https://localhost:14000/dir\n';
const CERT = `certificates:
  - name: web
    domains: [a.test]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets:
      - { type: file, cert: ./c.pem, key: ./k.pem }
`;
const DAY = 86_400_000;

describe('the watch section', () => {
  it('a config may only watch: certificates left out, an hourly interval and the default policy thresholds', () => {
    const c = parseConfigText(`${ACME}watch:\n  endpoints:\n    - { name: legacy-api, host: api.example.com, expectSerial: "0a:1b:2c", trust: ./roots.pem }\n`, FILE);
    assert.deepEqual(c.certificates, []);
    assert.equal(c.watch!.interval, 3_600_000);
    assert.deepEqual(c.watch!.sources, []);
    const ep = c.watch!.endpoints[0];
    assert.deepEqual([ep.name, ep.host, ep.port, ep.expectSerial, ep.trust], ['legacy-api', 'api.example.com', 443, 'A1B2C', '/etc/certloop/roots.pem']);
    assert.deepEqual(resolvedPolicyFor(c.watch!).expiringThresholdsMs, [30, 14, 7, 3, 1].map((d) => d * DAY));
  });

  it('a plain list is shorthand for { endpoints: [...] }', () => {
    const c = parseConfigText(`${ACME}${CERT}watch:\n  - { name: old, host: old.example.com, port: 8443 }\n`, FILE);
    assert.deepEqual(c.watch!.endpoints.map((e) => [e.name, e.port]), [['old', 8443]]);
    assert.equal(c.watch!.interval, 3_600_000);
  });

  it('a policy override sets the thresholds, largest first', () => {
    const c = parseConfigText(`${ACME}watch:\n  policy: { name: default, expiringThresholds: [7d, 21d] }\n  sources:\n    - { type: file, path: ./inv.txt }\n`, FILE);
    assert.deepEqual(resolvedPolicyFor(c.watch!).expiringThresholdsMs, [21 * DAY, 7 * DAY]);
    assert.deepEqual(c.watch!.sources, [{ type: 'file', path: '/etc/certloop/inv.txt', port: 443 }]);
  });

  const bad: [string, string, RegExp][] = [
    ['neither certificates nor watch is still an error', `${ACME}`, /certificates: list at least one certificate \(or endpoints to watch under watch:\)/],
    ['an empty certificates list without watch too', `${ACME}certificates: []\n`, /certificates: list at least one certificate/],
    ['two watched endpoints with one name', `${ACME}watch:\n  - { name: a, host: a.example.com }\n  - { name: a, host: b.example.com }\n`, /watch\.endpoints\[1\]\.name: duplicate watched endpoint name "a" \(first used by watch\.endpoints\[0\]\)/],
    ['a watched endpoint named like a certificate', `${ACME}${CERT}watch:\n  - { name: web, host: a.example.com }\n`, /"web" is also the name of certificates\[0\]/],
    ['an expectSerial that is not hex', `${ACME}watch:\n  - { name: a, host: a.example.com, expectSerial: xyz }\n`, /expectSerial: expected a serial in hex/],
    ['an unknown source type', `${ACME}watch:\n  sources:\n    - { type: zone-file, path: ./z }\n`, /unknown watch source type: expected one of file/],
    ['an interval under a second', `${ACME}watch:\n  interval: 0s\n  endpoints: [{ name: a, host: a.example.com }]\n`, /watch\.interval/],
    ['an unknown policy', `${ACME}watch:\n  policy: nightly\n  endpoints: [{ name: a, host: a.example.com }]\n`, /watch\.policy: unknown policy "nightly"/],
    ['an empty threshold list', `${ACME}watch:\n  policy: { name: default, expiringThresholds: [] }\n  endpoints: [{ name: a, host: a.example.com }]\n`, /expiringThresholds: list at least one threshold/],
  ];
  for (const [name, text, message] of bad) it(name, () => assert.match(configProblems(text, FILE), message));
});

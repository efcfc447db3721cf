/**
 * Every duration that sets a timer or a wait has a range (issue 16: `verifyInterval: 0s` ran
 * thousands of verify passes a second; `verify.timeout: 99999999999d` overflowed Node's timer and
 * became 1 ms). Each case: a value outside the range is refused with the field and the range, and
 * the edges of the range load.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

const cert = (o: { challenge?: string; target?: string; verify?: string } = {}) => `certificates:
  - name: web
    domains: [a.test]
    challenge: ${o.challenge ?? '{ type: http-01, listen: 127.0.0.1:5002 }'}
    targets: [${o.target ?? '{ type: file, cert: ./c.pem, key: ./k.pem }'}]
    verify: { endpoints: [{ host: a.test${o.verify?.startsWith('endpoint') ? `, ${o.verify.slice('endpoint '.length)}` : ''} }]${o.verify && !o.verify.startsWith('endpoint') ? `, ${o.verify}` : ''} }
`;
const config = (o: { acme?: string; top?: string; challenge?: string; target?: string; verify?: string } = {}) =>
  `acme: { directory: https://ca.test/dir${o.acme ? `, ${o.acme}` : ''} }\n${cert(o)}${o.top ?? ''}`;

function problem(text: string): string {
  try {
    parseConfigText(text, '/etc/certloop/certloop.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'accepted';
}

type Case = [name: string, build: (value: string) => string, field: RegExp, low: string, high: string, range: string, edges: [string, string]];

const CASES: Case[] = [
  ['the daemon verify interval must be at least a second (0s was a busy loop)', (v) => config({ top: `verifyInterval: ${v}\n` }), /verifyInterval/, '0s', '400d', 'between 1s and 365d', ['1s', '365d']],
  ['a verify timeout past Node\'s timer limit is refused, not turned into 1 ms', (v) => config({ verify: `timeout: ${v}` }), /verify\.timeout/, '50ms', '11m', 'between 100ms and 10m', ['100ms', '10m']],
  ['an endpoint timeout has the same range as verify.timeout', (v) => config({ verify: `endpoint timeout: ${v}` }), /endpoints\[0\]\.timeout/, '0', '1h', 'between 100ms and 10m', ['0.1', '600']],
  ['post-deploy polling lasts at most an hour', (v) => config({ verify: `pollFor: ${v}` }), /verify\.pollFor/, '', '2h', 'between 0ms and 1h', ['0s', '1h']],
  ['an ACME request deadline', (v) => config({ acme: `timeout: ${v}` }), /acme\.timeout/, '0s', '11m', 'between 1s and 10m', ['1s', '10m']],
  ['an ACME connect deadline', (v) => config({ acme: `connectTimeout: ${v}` }), /acme\.connectTimeout/, '10ms', '6m', 'between 100ms and 5m', ['100ms', '5m']],
  ['an ACME order deadline', (v) => config({ acme: `orderTimeout: ${v}` }), /acme\.orderTimeout/, '1s', '2d', 'between 10s and 1d', ['10s', '1d']],
  ['the daemon pass deadline', (v) => config({ top: `passTimeout: ${v}\n` }), /passTimeout/, '0s', '8d', 'between 1s and 7d', ['1s', '7d']],
  ['the daemon shutdown bound', (v) => config({ top: `shutdownTimeout: ${v}\n` }), /shutdownTimeout/, '0s', '2h', 'between 1s and 1h', ['1s', '1h']],
  ['a status page refresh of 0s would reload the page without end', (v) => config({ top: `statusPage: { refresh: ${v} }\n` }), /statusPage\.refresh/, '0s', '2d', 'between 1s and 1d', ['1s', '1d']],
  ['a reload command timeout', (v) => config({ target: `{ type: file, cert: ./c.pem, key: ./k.pem, reload: ["true"], reloadTimeout: ${v} }` }), /targets\[0\]\.reloadTimeout/, '0s', '2h', 'between 1s and 1h', ['1s', '1h']],
  ['a notifier timeout', (v) => config({ top: `notify: [{ type: webhook, url: "https://hooks.test/x", timeout: ${v} }]\n` }), /notify\[0\]\.timeout/, '0s', '1d', 'between 100ms and 10m', ['100ms', '10m']],
  ['a dns-01 propagation timeout', (v) => config({ challenge: `{ type: dns-01, provider: exec, command: [./hook], propagationTimeout: ${v} }` }), /challenge\.propagationTimeout/, '0s', '2h', 'between 1s and 1h', ['1s', '1h']],
  ['a dns-01 hook timeout', (v) => config({ challenge: `{ type: dns-01, provider: exec, command: [./hook], timeout: ${v} }` }), /challenge\.timeout/, '0s', '2h', 'between 1s and 1h', ['1s', '1h']],
  ['an RFC 2136 update timeout', (v) => config({ challenge: `{ type: dns-01, provider: rfc2136, server: "127.0.0.1:53", timeout: ${v} }` }), /challenge\.timeout/, '0s', '1h', 'between 100ms and 10m', ['100ms', '10m']],
  ['a Key Vault operation timeout', (v) => config({ target: `{ type: key-vault, vaultUrl: "https://v.vault.azure.net", certificateName: web, timeout: ${v} }` }), /targets\[0\]\.timeout/, '0s', '1h', 'between 1s and 10m', ['1s', '10m']],
  ['a Key Vault throttling wait', (v) => config({ target: `{ type: key-vault, vaultUrl: "https://v.vault.azure.net", certificateName: web, maxRetryWait: ${v} }` }), /targets\[0\]\.maxRetryWait/, '', '1h', 'between 0ms and 10m', ['0s', '10m']],
];

describe('durations that set timers are bounded', () => {
  for (const [name, build, field, low, high, range, edges] of CASES) {
    it(name, () => {
      for (const value of [low, high].filter(Boolean)) {
        const message = problem(build(value));
        assert.match(message, field, `${value}: ${message}`);
        assert.match(message, new RegExp(`expected a duration ${range}`), `${value}: ${message}`);
      }
      for (const value of edges) assert.equal(problem(build(value)), 'accepted', value);
    });
  }

  it('any duration longer than a hundred years is refused, even where nothing bounds it', () => {
    const text = config({ top: 'notify: [{ type: webhook, url: "https://hooks.test/x", renotify: 99999999999d }]\n' });
    assert.match(problem(text), /notify\[0\]\.renotify: expected a duration of at most 100 years/);
    assert.match(problem(config({ verify: 'timeout: 99999999999d' })), /verify\.timeout: expected a duration of at most 100 years/);
  });

  it('a cron schedule naming a date that never comes is refused (30 February)', () => {
    assert.match(problem(config({ top: 'schedule: "0 0 30 2 *"\n' })), /schedule: expected a cron expression .*never run/);
    assert.match(problem(config({ top: 'drill: { schedule: "0 0 31 4 *" }\n' })), /drill\.schedule: expected a cron expression .*never run/);
    assert.equal(problem(config({ top: 'schedule: "0 0 29 2 *"\n' })), 'accepted', 'a leap day comes');
  });
});

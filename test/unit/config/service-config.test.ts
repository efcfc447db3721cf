import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

const BASE = `acme: { directory: https://ca.test/dir }
certificates:
  - name: web
    domains: [a.test]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets: [{ type: file, cert: ./c.pem, key: ./k.pem }]
`;

function problems(extra: string): string {
  try {
    parseConfigText(BASE + extra, '/etc/certloop/certloop.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  assert.fail('expected a config error');
}

describe('service configuration (notify, schedule, listen)', () => {
  it('defaults: no notifiers, the per-installation schedule, hourly verify, loopback listener', () => {
    const c = parseConfigText(BASE, '/etc/certloop/certloop.yaml');
    assert.deepEqual(c.notify, []);
    assert.equal(c.schedule, undefined);
    assert.equal(c.verifyInterval, 3_600_000);
    assert.equal(c.listen, '127.0.0.1:9464');
  });

  it('a notifier gets the problem, drill and revocation events and a 24h renotify unless told otherwise', () => {
    const c = parseConfigText(`${BASE}notify:\n  - { type: webhook, url: "https://hooks.test/x" }\n  - { type: exec, command: [notify-send], events: [renewed], renotify: 1h }\n`, '/x/certloop.yaml');
    assert.deepEqual(c.notify[0].events, ['failed', 'verify_overdue', 'expiring_soon', 'drift_detected', 'recovered', 'drill_failed', 'drill_recovered', 'expired', 'chain_problem', 'revoked']);
    assert.equal(c.notify[0].renotify, 86_400_000);
    assert.deepEqual(c.notify[1].events, ['renewed']);
    assert.equal(c.notify[1].renotify, 3_600_000);
  });

  const bad: [string, string, RegExp][] = [
    ['an unknown notifier type is named with the known ones', 'notify:\n  - { type: pagerduty, url: "https://x.test" }\n', /notify\[0\].*unknown notifier type: expected one of webhook, slack, teams, exec/],
    ['an unknown event name lists the valid ones', 'notify:\n  - { type: slack, url: "https://x.test", events: [broken] }\n', /notify\[0\]\.events\[0\].*expected one of "?renewed"?, "?deployed/],
    ['an exec command must be argv, not a shell string', 'notify:\n  - { type: exec, command: "notify-send hi" }\n', /notify\[0\]\.command/],
    ['a bad cron expression says what a good one looks like', 'schedule: "61 * * * *"\n', /certloop\.yaml:\d+:\d+: schedule: expected a cron expression/],
    ['listen must be HOST:PORT', 'listen: 9464\n', /listen/],
  ];
  for (const [name, extra, re] of bad) it(name, () => assert.match(problems(extra), re));
});

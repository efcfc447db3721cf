/**
 * When a daemon pass counts as hung (issue 16): past passTimeout, or by default past the longest
 * it can take when every deadline it may meet runs out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { passDeadlineMs, PassWatch } from '../../../src/daemon/liveness.js';

const cert = (name: string, target = `{ type: file, cert: ./${name}/c.pem, key: ./${name}/k.pem, reload: [nginx, -s, reload] }`) => `  - name: ${name}
    domains: [${name}.test]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets: [${target}]
`;
const config = (certs: string[], extra = '', acme = '') => parseConfigText(`acme: { directory: https://ca.test/dir${acme} }\n${extra}certificates:\n${certs.join('')}`, '/etc/certloop/certloop.yaml');

const MIN = 60_000;
// One certificate with the defaults: 30s renewalInfo + 10m order + 30s reload + 15s polling + 2 × 10s probes + 1m.
const ONE = 30_000 + 10 * MIN + 30_000 + 15_000 + 20_000 + MIN;

describe('the deadline of a daemon pass', () => {
  const cases: [string, () => number, number][] = [
    ['one certificate with the defaults: every deadline it may meet, plus a minute', () => passDeadlineMs(config([cert('a')]), 'run'), ONE],
    ['a fallback CA adds an order deadline', () => passDeadlineMs(config([cert('a')], '', ', fallback: [{ directory: https://b.test/dir }]'), 'run'), ONE + 10 * MIN],
    ['certificates beyond the concurrency add rounds', () => passDeadlineMs(config(['a', 'b', 'c'].map((n) => cert(n)), 'concurrency: 2\n'), 'verify'), 2 * (ONE - MIN) + MIN],
    ['drills go one at a time', () => passDeadlineMs(config(['a', 'b'].map((n) => cert(n))), 'drill'), 2 * (ONE - MIN) + MIN],
    ['a target without reload costs nothing to deploy', () => passDeadlineMs(config([cert('a', '{ type: file, cert: ./c.pem, key: ./k.pem }')]), 'run'), ONE - 30_000],
    ['a longer reload timeout is counted', () => passDeadlineMs(config([cert('a', '{ type: file, cert: ./c.pem, key: ./k.pem, reload: [x], reloadTimeout: 20m }')]), 'run'), ONE - 30_000 + 20 * MIN],
    ['passTimeout, when set, is the deadline', () => passDeadlineMs(config([cert('a')], 'passTimeout: 5m\n'), 'drill'), 5 * MIN],
  ];
  for (const [name, deadline, expected] of cases) it(name, () => assert.equal(deadline(), expected));
});

describe('the pass watch', () => {
  it('says nothing while the pass is within its deadline or when none runs', () => {
    const w = new PassWatch();
    assert.equal(w.overrun(1000), undefined);
    w.start('run', 2000, 0);
    assert.equal(w.overrun(2000), undefined);
  });

  it('names the pass, its start, how long it has worked and its deadline once it overruns', () => {
    const w = new PassWatch();
    w.start('verify', 2000, Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(
      w.overrun(Date.parse('2026-01-01T00:01:05Z')),
      'the verify pass started at 2026-01-01T00:00:00.000Z has been working for 1m5s, past its deadline of 2s (passTimeout)',
    );
    w.finish();
    assert.equal(w.overrun(Date.parse('2026-01-01T01:00:00Z')), undefined);
  });
});

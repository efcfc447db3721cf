/**
 * `config check` prints the resolved config with every secret masked: values from ${env:}/${file:}
 * references, secret-named fields, and credentials written inline whatever their field is called
 * (issue 16: a Slack URL and a webhook Authorization header written in the file were printed).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { MASK, maskedConfig } from '../../../src/config/mask.js';
import { GOOD } from './cases.js';

function notify(yaml: string): Record<string, unknown>[] {
  const config = parseConfigText(`${GOOD}notify:\n${yaml}`, '/etc/certloop/certloop.yaml');
  return (maskedConfig(config) as { notify: Record<string, unknown>[] }).notify;
}

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';
const TEAMS = 'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SIGSIGSIG';

describe('config check masking', () => {
  const cases: [string, string, (n: Record<string, unknown>) => void][] = [
    ['an inline Slack webhook URL is masked whole', `  - { type: slack, url: "${SLACK}" }\n`, (n) => assert.equal(n.url, MASK)],
    ['an inline Teams webhook URL is masked whole', `  - { type: teams, url: "${TEAMS}" }\n`, (n) => assert.equal(n.url, MASK)],
    [
      'an inline webhook Authorization header is masked, its name kept',
      '  - type: webhook\n    url: https://hooks.example.com/certloop\n    headers: { Authorization: "Bearer s3cr3t-t0ken", X-Team: sre }\n',
      (n) => {
        assert.deepEqual(n.headers, { Authorization: MASK, 'X-Team': MASK });
        assert.equal(n.url, 'https://hooks.example.com/certloop', 'a webhook URL without credentials is shown');
      },
    ],
    [
      'a webhook URL keeps its host and path, not the credentials in its user info and query',
      '  - { type: webhook, url: "https://bot:pa55@hooks.example.com/certloop?token=s3cr3t" }\n',
      (n) => assert.equal(n.url, `https://${MASK}@hooks.example.com/certloop?${MASK}`),
    ],
  ];
  for (const [name, yaml, check] of cases) {
    it(name, () => {
      const [n] = notify(yaml);
      check(n);
      assert.ok(!/s3cr3t|pa55|XXXXXXXX|SIGSIG/.test(JSON.stringify(n)), JSON.stringify(n));
    });
  }

  it('a webhook URL from an environment reference is masked whole, as every reference is', () => {
    process.env.CERTLOOP_MASK_TEST_URL = 'https://hooks.example.com/private-path';
    const [n] = notify('  - { type: webhook, url: "${env:CERTLOOP_MASK_TEST_URL}" }\n');
    assert.equal(n.url, MASK);
  });
});

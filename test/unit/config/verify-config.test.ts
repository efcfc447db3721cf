import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { configProblems } from '../../support/config-problems.js';

const withVerify = (verify: string) => `acme:
  directory: https://localhost:14000/dir
certificates:
  - name: web
    domains: [a.test]
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets:
      - { type: file, cert: ./c.pem, key: ./k.pem }
    verify:
${verify}`;

const problems = configProblems;

describe('the verify section', () => {
  it('accepts pinned addresses, STARTTLS, per-endpoint timeout, resolver and deadline', () => {
    const c = parseConfigText(
      withVerify(`      endpoints:
        - host: www.example.com
          sni: www.example.com
          addresses: [10.0.0.4, "2001:db8::5"]
          timeout: 3s
        - { host: mail.example.com, port: 587, starttls: smtp }
      resolver: [127.0.0.1:5353, "[::1]:53", 192.0.2.53]
      deadline: 4h
`),
      '/etc/certloop/certloop.yaml',
    );
    const v = c.certificates[0].verify;
    assert.deepEqual(v.endpoints[0].addresses, ['10.0.0.4', '2001:db8::5']);
    assert.equal(v.endpoints[0].timeout, 3000);
    assert.equal(v.endpoints[0].port, 443);
    assert.equal(v.endpoints[1].starttls, 'smtp');
    assert.deepEqual(v.resolver, ['127.0.0.1:5353', '[::1]:53', '192.0.2.53']);
    assert.equal(v.deadline, 4 * 3_600_000);
  });

  it('accepts no endpoints, and no endpoints unverified by choice', () => {
    assert.equal(parseConfigText(withVerify('      endpoints: []\n'), '/etc/certloop/certloop.yaml').certificates[0].verify.unverified, undefined);
    assert.equal(parseConfigText(withVerify('      endpoints: []\n      unverified: true\n'), '/etc/certloop/certloop.yaml').certificates[0].verify.unverified, true);
    assert.equal(parseConfigText(withVerify('      unverified: true\n'), '/etc/certloop/certloop.yaml').certificates[0].verify.endpoints.length, 0);
  });

  const bad: [string, string, RegExp][] = [
    ['unverified that is not true or false is rejected', '      unverified: yes please\n', /verify\.unverified: expected boolean/],
    ['an unknown STARTTLS protocol names the choices', '      endpoints: [{ host: a.test, starttls: gopher }]\n', /endpoints\[0\]\.starttls: expected one of "smtp", "imap", "pop3", "ftp", "postgres"/],
    ['a pinned address that is not an IP is rejected', '      endpoints: [{ host: a.test, addresses: [web1] }]\n', /endpoints\[0\]\.addresses\[0\]: expected an IPv4 or IPv6 address/],
    ['a resolver given by name is rejected (DNS servers are addresses)', '      resolver: [dns.example.com:53]\n', /resolver\[0\]: expected a DNS server as IP or IP:PORT/],
    ['a deadline that is not a duration is rejected', '      deadline: soon\n', /deadline: expected a duration/],
  ];
  for (const [name, verify, expected] of bad) {
    it(name, () => {
      assert.match(problems(withVerify(verify)), expected);
    });
  }
});

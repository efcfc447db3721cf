import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { configProblems } from '../../support/config-problems.js';
import { settleOf } from '../../../src/verify/confirm.js';

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
  it('samples 3 connections per address and settles for 3s by default, at most half of pollFor (issue 15)', () => {
    const v = parseConfigText(withVerify('      endpoints: [{ host: a.test }]\n'), '/etc/certloop/certloop.yaml').certificates[0].verify;
    assert.equal(v.samples, 3);
    assert.equal(v.endpoints[0].samples, undefined);
    assert.equal(settleOf(v), 3000);
    const short = parseConfigText(withVerify('      endpoints: [{ host: a.test }]\n      pollFor: 1s\n'), '/etc/certloop/certloop.yaml').certificates[0].verify;
    assert.equal(settleOf(short), 500, 'a config written before settle existed keeps half its pollFor for the first agreement');
    const explicit = parseConfigText(withVerify('      endpoints: [{ host: a.test, samples: 12, family: 4 }]\n      pollFor: 5s\n      settle: 5s\n      samples: 1\n'), '/etc/certloop/certloop.yaml').certificates[0].verify;
    assert.equal(settleOf(explicit), 5000);
    assert.equal(explicit.samples, 1);
    assert.equal(explicit.endpoints[0].samples, 12);
    assert.equal(explicit.endpoints[0].family, 4);
  });

  it('accepts alsoServes naming another certificate of the config', () => {
    const c = parseConfigText(
      `${withVerify('      endpoints: [{ host: a.test, alsoServes: [web-rsa] }]\n')}  - name: web-rsa
    domains: [a.test]
    key: { type: rsa-2048 }
    challenge: { type: http-01, listen: 127.0.0.1:5002 }
    targets:
      - { type: file, cert: ./r.pem, key: ./rk.pem }
    verify:
      endpoints: [{ host: a.test, alsoServes: [web] }]
`,
      '/etc/certloop/certloop.yaml',
    );
    assert.deepEqual(c.certificates[0].verify.endpoints[0].alsoServes, ['web-rsa']);
  });

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
    ['a settle time longer than pollFor is rejected, naming both', '      pollFor: 5s\n      settle: 10s\n', /verify\.settle: settle \(10s\) is longer than pollFor \(5s\): no deploy could be confirmed within one run; lower settle or raise pollFor/],
    ['a settle time longer than the default pollFor is rejected', '      settle: 1m\n', /settle \(1m\) is longer than pollFor \(15s\)/],
    ['zero samples is rejected', '      samples: 0\n', /verify\.samples: expected at least 1 connection per address/],
    ['an endpoint with more than 1000 samples is rejected', '      endpoints: [{ host: a.test, samples: 5000 }]\n', /endpoints\[0\]\.samples: expected at most 1000 connections per address/],
    ['a family other than 4 or 6 is rejected', '      endpoints: [{ host: a.test, family: 5 }]\n', /endpoints\[0\]\.family: expected one of 4, 6/],
    ['alsoServes naming no certificate of the config is rejected where it is written', '      endpoints: [{ host: a.test, alsoServes: [web-rsa] }]\n', /certloop\.yaml:\d+:\d+: certificates\[0\]\.verify\.endpoints\[0\]\.alsoServes\[0\]: no certificate named "web-rsa" in this config/],
    ['alsoServes naming the certificate itself is rejected', '      endpoints: [{ host: a.test, alsoServes: [web] }]\n', /alsoServes\[0\]: "web" is this certificate itself/],
  ];
  for (const [name, verify, expected] of bad) {
    it(name, () => {
      assert.match(problems(withVerify(verify)), expected);
    });
  }
});

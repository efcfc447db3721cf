import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertificateConfig } from '../../../src/config/schema.js';
import { withBaseDir } from '../../../src/config/fields.js';
import { verifyConfigKey } from '../../../src/verify/freshness.js';

const cert = withBaseDir('/etc/certloop', () =>
  CertificateConfig.parse({
    name: 'web',
    domains: ['a.test'],
    challenge: { type: 'http-01', listen: '127.0.0.1:80' },
    targets: [{ type: 'file', cert: './live/web/fullchain.pem', key: './live/web/privkey.pem' }],
    verify: { endpoints: [{ host: 'a.test', port: 443 }] },
  }),
);

describe('the verify config key (run --recheck due)', () => {
  it('the config key covers endpoints, resolver and trust, not timeouts', () => {
    const base = verifyConfigKey(cert.verify);
    assert.notEqual(verifyConfigKey({ ...cert.verify, endpoints: [...cert.verify.endpoints, { ...cert.verify.endpoints[0], port: 8443 }] }), base);
    assert.notEqual(verifyConfigKey({ ...cert.verify, resolver: ['127.0.0.1:53'] }), base);
    assert.notEqual(verifyConfigKey({ ...cert.verify, trust: '/etc/ssl/ca.pem' }), base);
    assert.equal(verifyConfigKey({ ...cert.verify, timeout: 99 }), base);
  });
});

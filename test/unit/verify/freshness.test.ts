import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifyConfig } from '../../../src/config/schema.js';
import { verifyConfigKey } from '../../../src/verify/freshness.js';

describe('the verify config key (run --recheck due)', () => {
  it('the config key covers endpoints, resolver and trust, not timeouts', () => {
    const verify = VerifyConfig.parse({ endpoints: [{ host: 'a.test', port: 443 }] });
    const base = verifyConfigKey(verify);
    assert.notEqual(verifyConfigKey({ ...verify, endpoints: [...verify.endpoints, { ...verify.endpoints[0], port: 8443 }] }), base);
    assert.notEqual(verifyConfigKey({ ...verify, resolver: ['127.0.0.1:53'] }), base);
    assert.notEqual(verifyConfigKey({ ...verify, trust: '/etc/ssl/ca.pem' }), base);
    assert.equal(verifyConfigKey({ ...verify, timeout: 99 }), base);
  });
});

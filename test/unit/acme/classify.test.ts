/**
 * Whether a failure talking to a CA means the CA could not be reached (ACME_UNREACHABLE, counted
 * towards acme.fallback) or that it answered (issue 16: TLS junk was an account problem, a hung CA
 * had no error at all).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAcmeError } from '../../../src/acme/client.js';
import { timeoutError } from '../../../src/acme/timeouts.js';
import { CertloopError, Interrupted } from '../../../src/errors.js';

const WRONG_VERSION = 'write EPROTO 809C4216107F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:';

describe('classifying what acme-client throws', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['a server that is no TLS server', Object.assign(new Error(WRONG_VERSION), { code: 'EPROTO' }), 'ACME_UNREACHABLE', /: EPROTO: no TLS server as an ACME CA would run answers there \(wrong version number\)$/],
    ['an OpenSSL error code', Object.assign(new Error('x'), { code: 'ERR_SSL_PACKET_LENGTH_TOO_LONG' }), 'ACME_UNREACHABLE', /ERR_SSL_PACKET_LENGTH_TOO_LONG: no TLS server/],
    ['an answer that is not HTTP', Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_CONSTANT' }), 'ACME_UNREACHABLE', /HPE_INVALID_CONSTANT: the server's answer is not HTTP/],
    ['certloop\'s own deadline names its setting', timeoutError('no answer from ca.test within 30s (acme.timeout)'), 'ACME_UNREACHABLE', /: no answer from ca\.test within 30s \(acme\.timeout\)$/],
    ['a kernel timeout stays a code', Object.assign(new Error('connect ETIMEDOUT 192.0.2.1:443'), { code: 'ETIMEDOUT' }), 'ACME_UNREACHABLE', /: ETIMEDOUT$/],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'ACME_UNREACHABLE', /: ECONNREFUSED$/],
    ['an untrusted CA certificate says what to set', Object.assign(new Error('self-signed'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'ACME_UNREACHABLE', /acme\.caBundle/],
    ['an answer from the CA is the CA refusing', new Error('Account does not exist'), 'ACME_ACCOUNT', /: Account does not exist$/],
  ];
  for (const [name, err, code, message] of cases) {
    it(name, () => {
      const e = classifyAcmeError(err, 'ACME_ACCOUNT', 'cannot register');
      assert.ok(e instanceof CertloopError);
      assert.equal(e.code, code);
      assert.match(e.message, message);
    });
  }

  it('a shutdown and an error already typed pass through untouched', () => {
    const stop = new Interrupted();
    assert.equal(classifyAcmeError(stop, 'ACME_ORDER', 'x'), stop);
    const typed = new CertloopError('CHALLENGE_FAILED', 'no');
    assert.equal(classifyAcmeError(typed, 'ACME_ORDER', 'x'), typed);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateState, unverifiedOf } from '../../../src/state/certificate-state.js';
import { emptyRecord, setCondition, type CertificateRecord, type ConditionStatus } from '../../../src/state/record.js';

const NOW = new Date('2026-03-01T00:00:00Z');

function deployed(ready: [ConditionStatus, string] | undefined): CertificateRecord {
  const r = emptyRecord('web', NOW);
  r.issued = { serial: 'AB', domains: ['a.test'], notBefore: '', notAfter: '', fullchainPem: '', keyPem: '', issuedAt: '', directory: '' };
  r.deployedSerial = 'AB';
  if (ready) setCondition(r, 'Ready', ready[0], ready[1], '', NOW);
  return r;
}

describe('the state status and the status page show', () => {
  const cases: [string, CertificateRecord | undefined, string, string | undefined][] = [
    ['no record is New', undefined, 'New', undefined],
    ['served everywhere is Ready', deployed(['True', 'Ready']), 'Ready', undefined],
    ['not served everywhere yet is Pending', deployed(['False', 'Pending']), 'Pending', undefined],
    ['deployed without endpoints is Deployed, never Ready', deployed(['False', 'NoEndpoints']), 'Deployed', 'no-endpoints'],
    ['no endpoints by choice is Ready, unverified by choice', deployed(['True', 'UnverifiedByChoice']), 'Ready', 'by-choice'],
    ['the Ready=True "Deployed" an older certloop wrote for no endpoints is Deployed', deployed(['True', 'Deployed']), 'Deployed', 'no-endpoints'],
    ['a failure wins over everything', { ...deployed(['False', 'NoEndpoints']), lastFailure: { step: 'deploy', code: 'DEPLOY_FAILED', message: 'x', at: '', attempts: 1 } }, 'Failed', 'no-endpoints'],
  ];
  for (const [name, record, state, unverified] of cases) {
    it(name, () => {
      assert.equal(certificateState(record), state);
      assert.equal(unverifiedOf(record), unverified);
    });
  }
});

/**
 * The one-word state of a certificate that `status`, the status page and its summary show, from
 * its record alone (no config, no network), so every view says the same.
 *
 * A deployed certificate without endpoints is `Deployed`, never `Ready`: nothing observed it
 * served (issue 15). Configured `verify: { endpoints: [], unverified: true }`, it is `Ready`,
 * unverified by choice.
 */
import type { CertificateRecord } from './record.js';

export type CertificateState = 'Ready' | 'Deployed' | 'Pending' | 'Failed' | 'New' | 'InProgress';

/** Why the deployed certificate is not observed: no endpoints configured, or none on purpose. */
export type Unverified = 'no-endpoints' | 'by-choice';

/** Ready condition reasons for a deployed certificate nothing observes (controller/certificate.ts). */
export const NO_ENDPOINTS = 'NoEndpoints';
export const UNVERIFIED_BY_CHOICE = 'UnverifiedByChoice';

export function unverifiedOf(record: CertificateRecord | undefined): Unverified | undefined {
  const ready = record?.deployedSerial ? record.conditions.Ready : undefined;
  if (ready?.reason === UNVERIFIED_BY_CHOICE) return 'by-choice';
  // Before issue 15 certloop wrote Ready=True, reason Deployed, for a certificate without endpoints.
  if (ready?.reason === NO_ENDPOINTS || (ready?.reason === 'Deployed' && ready.status === 'True')) return 'no-endpoints';
  return undefined;
}

/** The certificate endpoints rely on: the deployed one, else whatever was issued. */
export function certificateInUse(record: CertificateRecord): { serial: string; notBefore: string; notAfter: string } | undefined {
  if (record.issued && record.issued.serial === record.deployedSerial) return record.issued;
  if (record.previous && record.previous.serial === record.deployedSerial) return record.previous;
  return record.issued;
}

export function certificateState(record: CertificateRecord | undefined): CertificateState {
  if (!record?.issued) return record?.pendingOrder ? 'InProgress' : record?.lastFailure ? 'Failed' : 'New';
  if (record.lastFailure) return 'Failed';
  if (unverifiedOf(record) === 'no-endpoints') return 'Deployed';
  return record.conditions.Ready?.status === 'True' ? 'Ready' : 'Pending';
}

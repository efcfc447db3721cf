/**
 * The decision as an ordered chain of named checks (the shape of cert-manager's certificate
 * policy chain): the finders in order, the first that speaks wins; then the holds, which may hold
 * back what was found. The order is the policy: read it top to bottom.
 */
import type { Check } from '../types.js';
import { domainsChanged } from './domains-changed.js';
import { emergency } from './emergency.js';
import { expired } from './expired.js';
import { forced } from './forced.js';
import { fromSource } from './from-source.js';
import { noCertificate } from './no-certificate.js';
import { notDeployed } from './not-deployed.js';
import { notVerified } from './not-verified.js';
import { orderInProgress } from './order-in-progress.js';
import { rejected } from './rejected.js';
import { renewalDue } from './renewal-due.js';
import { retryWait } from './retry-wait.js';
import { revoked } from './revoked.js';
import { rolledBack } from './rolled-back.js';
import { upToDate } from './up-to-date.js';

export const CHECKS: readonly Check[] = [
  fromSource,
  forced,
  orderInProgress,
  noCertificate,
  revoked,
  rejected,
  domainsChanged,
  expired,
  notDeployed,
  emergency,
  rolledBack,
  renewalDue,
  notVerified,
  upToDate,
  retryWait,
];

/** The `default` policy (policies/default.yaml holds the same values; a test ties them). */
import type { RenewalPolicy } from './types.js';

const DAY = 86_400_000;
const RETRY_ISSUE = [60_000, 600_000, 6_000_000, DAY];

export const DEFAULT_POLICY: RenewalPolicy = {
  name: 'default',
  ari: true,
  remainingFraction: 1 / 3,
  shortLivedFraction: 1 / 2,
  shortLifetimeMs: 10 * DAY,
  emergencyFraction: 1 / 20,
  jitterMs: 0,
  retrySchedulesMs: { issue: RETRY_ISSUE, deploy: [0], verify: [0] },
  verifyDeadlineMs: 0,
  recheckIntervalMs: 3_600_000,
  expiringAlertMs: 14 * DAY,
  expiringThresholdsMs: [30, 14, 7, 3, 1].map((d) => d * DAY),
};

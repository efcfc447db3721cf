/**
 * What the steps of the loop for one certificate share (controller/certificate.ts and the modules
 * it calls: adopt, fresh, renewal-info, rollback): the context they work in and the outcome they
 * report. Types only, so those modules need not import the loop that imports them.
 */
import type acme from 'acme-client';
import type { LimitFunction } from 'p-limit';
import type { CaSelector } from '../acme/ca-selection.js';
import type { RenewalInfoClient } from '../acme/renewal-info.js';
import type { CertificateConfig } from '../config/schema.js';
import type { Step } from '../errors.js';
import type { EventBus } from '../observability/events.js';
import type { Logger } from '../observability/logger.js';
import type { CertificateSource, Solver, Target } from '../plugins.js';
import type { Decision, RenewalPolicy } from '../policy/types.js';
import type { Unverified } from '../state/certificate-state.js';
import type { SourceRecord } from '../state/record.js';
import type { StateStore } from '../state/store.js';
import type { VerificationState, VerifyAlert } from '../verify/deadline.js';
import type { Recheck } from '../verify/freshness.js';
import type { VerifyOutcome } from '../verify/verify.js';
import type { StepHook } from './step-hook.js';

export interface CertificateContext {
  config: CertificateConfig;
  policy: RenewalPolicy;
  store: StateStore;
  log: Logger;
  baseDir: string;
  directory: string;
  /** acme.profile: the profile orders ask for unless the certificate or its policy names one. */
  acmeProfile?: string;
  now: () => Date;
  acmeClient: () => Promise<acme.Client>;
  solver: () => Promise<Solver>;
  targets: () => Promise<Target[]>;
  /** Set for a certificate certloop does not issue (`source:`): where it is read from (controller/source.ts). */
  source?: () => Promise<CertificateSource>;
  force?: boolean;
  /** Which CA each order attempt goes to (primary, then acme.fallback); default: `directory` only. */
  ca?: CaSelector;
  /** Asks the CA for renewal windows (ARI) in the observe step; absent, nothing is asked. */
  renewalInfo?: RenewalInfoClient;
  /** A fire drill (`certloop drill`): no ARI fetch, no `replaces`; the caller gives a throwaway store. */
  drill?: boolean;
  /** Bound on TLS probes in flight, shared by the certificates of one run (default: process-wide). */
  probeLimit?: LimitFunction;
  /** Events go here (notifiers, metrics, progress); history is written either way. */
  events?: EventBus;
  /** Aborted on shutdown: the loop stops at the next step boundary (everything so far is stored). */
  signal?: AbortSignal;
  /** `due`: an earlier verification within the policy's recheckInterval stands (`run --recheck due`). */
  recheck?: Recheck;
  /** Called at each step boundary: set by test entry points only (step-hook.ts). */
  onStep?: StepHook;
}

/** A verification with what it means for the certificate: pending, overdue, drift, alerts. */
export type CertificateVerification = VerifyOutcome & {
  alerts: VerifyAlert[];
  state: VerificationState;
  /** Set when there are no endpoints: nothing was observed (state/certificate-state.ts). */
  unverified?: Unverified;
  /** Set when this run relied on an earlier check instead of probing (`run --recheck due`). */
  fresh?: { checkedAt: string; recheckAt: string };
};

/** `deployed`: deployed, and no endpoints to confirm it is served (not by choice). */
export type Verdict = 'ready' | 'pending' | 'deployed' | 'failed' | 'waiting';

export interface CertificateOutcome {
  name: string;
  decision: Decision;
  verdict: Verdict;
  issuedSerial?: string;
  deployedSerial?: string;
  renewed: boolean;
  /** A certificate a target already held was adopted instead of ordering one. */
  adopted?: boolean;
  deployed: boolean;
  verification?: CertificateVerification;
  /** Things that need a human (drift, overdue, served-certificate problems): each makes the run exit 1. */
  alerts?: VerifyAlert[];
  error?: { step: Step; code: string; message: string };
  /** A certificate certloop does not issue: the source's current version, as read by this run. */
  source?: SourceRecord & { description: string };
}

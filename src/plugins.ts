/**
 * The small interfaces plug-ins implement (providers/). Optional abilities are separate
 * interfaces, checked with type guards, so a minimal plug-in stays minimal.
 */
import type { CertloopEvent } from './observability/events.js';
import type { Logger } from './observability/logger.js';

/**
 * How a provider of each kind is made: one signature per kind, so every provider folder exports
 * the same `create` (see providers/README.md). `certificate` names the managed certificate the
 * solver or target works for (in messages and hook environments); a notifier's `id` is its
 * configured name or "<type>-<index>" (throttling state, metrics).
 */
export type SolverFactory<C> = (config: C, certificate: string) => Solver | Promise<Solver>;
export type TargetFactory<C> = (config: C, certificate: string) => Target | Promise<Target>;
/** What a source's folder exports as `create` (providers/certificate-sources/<name>/index.ts). */
export type SourceFactory<C> = (config: C, certificate: string) => CertificateSource;
export type NotifierFactory<C> = (config: C, id: string) => Notifier;
/** What a watch source folder's index.ts exports as `create` (providers/sources/<name>/). */
export type WatchSourceFactory<C> = (config: C) => WatchSource | Promise<WatchSource>;

/** One challenge to satisfy for one identifier of an order. */
export interface ChallengeTask {
  /** The identifier being validated, without any "*." prefix. */
  identifier: string;
  wildcard: boolean;
  token: string;
  /** The key authorization, "TOKEN.THUMBPRINT" (RFC 8555 §8.1); dns-01 publishes its SHA-256. */
  keyAuthorization: string;
}

/** Proves control of identifiers for one ACME challenge type. */
export interface Solver {
  readonly challengeType: 'http-01' | 'dns-01';
  /** Make the challenge response visible; resolve only when the CA can see it. */
  present(task: ChallengeTask): Promise<void>;
  /**
   * Remove what present() put in place. Called in `finally`; errors are logged, never thrown.
   * Also called when present() failed part-way: removing what is not there is not an error.
   */
  cleanup(task: ChallengeTask): Promise<void>;
}

/** A solver that holds a resource (a listening socket) for the duration of one order. */
export interface SolverLifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function hasLifecycle(s: Solver): s is Solver & SolverLifecycle {
  return typeof (s as Partial<SolverLifecycle>).start === 'function' && typeof (s as Partial<SolverLifecycle>).stop === 'function';
}

/** Everything a target needs to put a certificate in place. */
export interface CertificateBundle {
  name: string;
  serial: string;
  domains: string[];
  notAfter: Date;
  /** Leaf PEM. */
  certPem: string;
  /** Intermediates PEM (may be empty only if the check step allowed it). */
  chainPem: string;
  /** Leaf + intermediates. */
  fullchainPem: string;
  /** PKCS#8 PEM. Never log. */
  keyPem: string;
  issuedAt: Date;
}

export interface DeployContext {
  log: Logger;
  /** Folder relative commands run in (the config file's folder). */
  baseDir: string;
  signal?: AbortSignal;
}

/** Puts a certificate where it is used. */
export interface Target {
  /** Stable identity used as the key in state ("file:/etc/ssl/web.pem"). */
  readonly id: string;
  /** Short human description for logs and status. */
  describe(): string;
  /**
   * Store the bundle and make the consumer pick it up (e.g. reload). Must be idempotent: it may be
   * called again with the same bundle after a crash.
   */
  deploy(bundle: CertificateBundle, ctx: DeployContext): Promise<void>;
}

/** A target that can tell which serial it currently holds (observed state). */
export interface ObservableTarget {
  currentSerial(ctx: DeployContext): Promise<string | undefined>;
}

export function isObservable(t: Target): t is Target & ObservableTarget {
  return typeof (t as Partial<ObservableTarget>).currentSerial === 'function';
}

/** What a target holds now, in more detail than a serial (for `status`). */
export interface ObservedCertificate {
  serial: string;
  /** The target's own version name (a Key Vault version id), when it has one. */
  version?: string;
  notAfter?: Date;
}

/** An observable target that can also say which version it holds. */
export interface DescribedObservation {
  observe(ctx: DeployContext): Promise<ObservedCertificate | undefined>;
}

export function canDescribeObservation(t: Target): t is Target & DescribedObservation {
  return typeof (t as Partial<DescribedObservation>).observe === 'function';
}

/** A certificate with its key that a target already holds, for adoption. Never log keyPem. */
export interface AdoptedCertificate {
  fullchainPem: string;
  keyPem: string;
}

/**
 * A target that can hand over a certificate it already holds for these domains (with its private
 * key), so the first run adopts it instead of ordering a new one. Returns undefined when it holds
 * nothing suitable; the controller still checks what it gets before adopting.
 */
export interface AdoptableTarget {
  adopt(domains: string[], ctx: DeployContext): Promise<AdoptedCertificate | undefined>;
}

export function isAdoptable(t: Target): t is Target & AdoptableTarget {
  return typeof (t as Partial<AdoptableTarget>).adopt === 'function';
}

/**
 * A target that can deploy to a throwaway copy for `certloop drill`, proving it could deploy
 * (paths, permissions, formats) without touching what production serves.
 */
export interface DrillableTarget {
  drillCopy(): Target & DrillCopy;
}

/** The copy a drill deploys to; `removeDrillCopy` undoes it (called in `finally`). */
export interface DrillCopy {
  removeDrillCopy(): Promise<void>;
}

export function isDrillable(t: Target): t is Target & DrillableTarget {
  return typeof (t as Partial<DrillableTarget>).drillCopy === 'function';
}

/**
 * Tells people about events (providers/notifiers). `send` delivers one event once and throws when it
 * could not; the dispatcher (src/notify/dispatch.ts) filters, throttles and retries around it.
 */
export interface Notifier {
  /** Stable identity for throttling state and metrics: the configured name or "<type>-<index>". */
  readonly id: string;
  /** Short human description for logs; never the secret part of a URL. */
  describe(): string;
  send(event: CertloopEvent, ctx: NotifyContext): Promise<void>;
}

export interface NotifyContext {
  log: Logger;
  baseDir: string;
}

/**
 * Where a certificate certloop does not issue comes from (providers/certificate-sources/): Key
 * Vault renews it itself, or another tool writes it. certloop reads the version that should be
 * served and verifies the endpoints serve it (issue 18 §3). Read-only by contract.
 */
export interface CertificateSource {
  /** Stable identity used as the key in state ("key-vault:https://v.vault.azure.net/certificates/www"). */
  readonly id: string;
  describe(): string;
  /**
   * The version endpoints should serve now (Key Vault: the latest enabled version that is valid
   * already), or undefined when the source holds none. Throws a CertloopError (code SOURCE_FAILED,
   * step observe) that names the source and says what to do.
   */
  current(ctx: SourceContext): Promise<SourceVersion | undefined>;
}

export interface SourceContext {
  log: Logger;
  now: Date;
  signal?: AbortSignal;
}

export interface SourceVersion {
  serial: string;
  /** The source's own version name (a Key Vault version id). */
  version: string;
  notBefore: Date;
  notAfter: Date;
  /** DNS names of the leaf. */
  domains: string[];
  /** Leaf PEM (no key: certloop never holds the key of a certificate it does not issue). */
  certPem: string;
  /**
   * Since when this version is the one to serve: its creation, or later, when newer versions were
   * disabled after it. Consumers' pick-up time (the verify deadline) runs from here.
   */
  currentSince: Date;
  /** Newer versions passed over, each with why (disabled, not valid yet). */
  skipped: { version: string; reason: string; notBefore?: Date }[];
}

/** A place that lists names to watch (providers/sources/<type>/). */
export interface WatchSource {
  /** Stable id for state and logs, e.g. "axfr:example.com@127.0.0.1:5353". */
  readonly id: string;
  describe(): string;
  /** Every endpoint the source names now; throws a CertloopError (code SOURCE_FAILED) with the source named. */
  list(opts: { signal: AbortSignal; log: Logger }): Promise<DiscoveredEndpoint[]>;
}
export interface DiscoveredEndpoint {
  host: string;      // a DNS name (or an address for file lines that give one)
  port: number;
  /** Where it came from, for `discover` output: "azure-dns zone example.com, A record www". */
  origin: string;
}

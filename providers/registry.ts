/**
 * The one explicit list of provider implementations. Adding a provider means adding a folder under
 * providers/ and one line here (and its schema in schemas.ts); there is no discovery by file name.
 */
import { CertloopError } from '../src/errors.js';
import type { Notifier, Solver, Target, WatchSource } from '../src/plugins.js';
import type { ChallengeConfig, Dns01Config, NotifierConfig, TargetConfig, WatchSourceConfig } from './schemas.js';
import { createExecNotifier } from './notifiers/exec/index.js';
import { createSlackNotifier } from './notifiers/slack/index.js';
import { createTeamsNotifier } from './notifiers/teams/index.js';
import { createWebhookNotifier } from './notifiers/webhook/index.js';

type SolverFactory<C> = (config: C, certificate: string) => Solver | Promise<Solver>;
type TargetFactory<C> = (config: C, certificate: string) => Target | Promise<Target>;

// Solvers and targets are imported when first used: the Azure SDKs alone take longer to load than
// a whole quiet run over 1,000 certificates (bench/idle).

/** dns-01 solvers, keyed by the DNS provider name (`challenge.provider`). */
const dns01Providers: { [K in Dns01Config['provider']]: SolverFactory<Extract<Dns01Config, { provider: K }>> } = {
  rfc2136: async (c, name) => (await import('./challenges/rfc2136/index.js')).createRfc2136Solver(c, name),
  'azure-dns': async (c, name) => (await import('./challenges/azure-dns/index.js')).createAzureDnsSolver(c, name),
  exec: async (c, name) => (await import('./challenges/exec/index.js')).createExecDnsSolver(c, name),
};

const solvers: { [K in ChallengeConfig['type']]: SolverFactory<Extract<ChallengeConfig, { type: K }>> } = {
  'http-01': async (c) => (await import('./challenges/http-01/index.js')).createHttp01Solver(c),
  'dns-01': (c, name) => {
    const factory = dns01Providers[c.provider] as SolverFactory<Dns01Config> | undefined;
    if (!factory) throw new CertloopError('UNKNOWN_PROVIDER', `unknown dns-01 provider "${c.provider}"`, { certificate: name, retryable: false });
    return factory(c, name);
  },
};

const targets: { [K in TargetConfig['type']]: TargetFactory<Extract<TargetConfig, { type: K }>> } = {
  file: async (c, name) => (await import('./targets/file/index.js')).createFileTarget(c, name),
  'key-vault': async (c, name) => (await import('./targets/key-vault/index.js')).createKeyVaultTarget(c, name),
};

export async function createSolver(config: ChallengeConfig, certificate: string): Promise<Solver> {
  const factory = solvers[config.type] as SolverFactory<ChallengeConfig> | undefined;
  if (!factory) throw new CertloopError('UNKNOWN_PROVIDER', `unknown challenge type "${config.type}"`, { certificate, retryable: false });
  return factory(config, certificate);
}

export async function createTarget(config: TargetConfig, certificate: string): Promise<Target> {
  const factory = targets[config.type] as TargetFactory<TargetConfig> | undefined;
  if (!factory) throw new CertloopError('UNKNOWN_PROVIDER', `unknown target type "${config.type}"`, { certificate, retryable: false });
  return factory(config, certificate);
}

type NotifierFactory<C> = (config: C, id: string) => Notifier;

const notifiers: { [K in NotifierConfig['type']]: NotifierFactory<Extract<NotifierConfig, { type: K }>> } = {
  webhook: (c, id) => createWebhookNotifier(c, id),
  slack: (c, id) => createSlackNotifier(c, id),
  teams: (c, id) => createTeamsNotifier(c, id),
  exec: (c, id) => createExecNotifier(c, id),
};

/** `id` names the notifier in throttling state and metrics (see src/notify/dispatch.ts). */
export function createNotifier(config: NotifierConfig, id: string): Notifier {
  const factory = notifiers[config.type] as NotifierFactory<NotifierConfig> | undefined;
  if (!factory) throw new CertloopError('UNKNOWN_PROVIDER', `unknown notifier type "${config.type}"`, { retryable: false });
  return factory(config, id);
}

type SourceFactory<C> = (config: C) => WatchSource | Promise<WatchSource>;

/** Watch sources (`watch.sources`), loaded when a sweep first lists them. */
const sources: { [K in WatchSourceConfig['type']]: SourceFactory<Extract<WatchSourceConfig, { type: K }>> } = {
  axfr: async (c) => (await import('./sources/axfr/index.js')).createAxfrSource(c),
  'azure-dns': async (c) => (await import('./sources/azure-dns/index.js')).createAzureDnsSource(c),
};

export async function createWatchSource(config: WatchSourceConfig): Promise<WatchSource> {
  const factory = sources[config.type] as SourceFactory<WatchSourceConfig> | undefined;
  if (!factory) throw new CertloopError('UNKNOWN_PROVIDER', `unknown watch source type "${config.type}"`, { retryable: false });
  return factory(config);
}

export const SOLVER_TYPES = Object.keys(solvers);
export const DNS01_PROVIDER_NAMES = Object.keys(dns01Providers);
export const TARGET_TYPES = Object.keys(targets);
export const NOTIFIER_TYPES = Object.keys(notifiers);
export const WATCH_SOURCE_NAMES = Object.keys(sources);

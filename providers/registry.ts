/**
 * The one explicit list of provider implementations: every name of schemas.ts, mapped to its
 * folder's `create` (one signature per kind, src/plugins.ts). Adding a provider means adding a
 * folder under providers/ and one line here and one in schemas.ts (providers/README.md); there is
 * no discovery by file name. The types make a name in one list and not the other a compile error.
 */
import { CertloopError } from '../src/errors.js';
import type { CertificateSource, Notifier, NotifierFactory, Solver, SolverFactory, SourceFactory, Target, TargetFactory, WatchSource, WatchSourceFactory } from '../src/plugins.js';
import type { CertificateSourceConfig, CHALLENGE_TYPES, ChallengeConfig, Dns01Config, DNS01_PROVIDERS, NotifierConfig, NOTIFIER_TYPES, TargetConfig, TARGET_TYPES, WatchSourceConfig, WATCH_SOURCE_TYPES } from './schemas.js';
import * as execNotifier from './notifiers/exec/index.js';
import * as slack from './notifiers/slack/index.js';
import * as teams from './notifiers/teams/index.js';
import * as webhook from './notifiers/webhook/index.js';

/** A provider folder's index.ts, imported when first used. */
type Lazy<F> = () => Promise<{ create: F }>;

// Solvers and targets are imported when first used: the Azure SDKs alone take longer to load than
// a whole quiet run over 1,000 certificates (bench/idle).

/** dns-01 solvers, keyed by the DNS provider name (`challenge.provider`). */
const dns01Providers: { [K in keyof typeof DNS01_PROVIDERS]: Lazy<SolverFactory<Extract<Dns01Config, { provider: K }>>> } = {
  rfc2136: () => import('./challenges/rfc2136/index.js'),
  'azure-dns': () => import('./challenges/azure-dns/index.js'),
  exec: () => import('./challenges/exec/index.js'),
};

const solvers: { [K in keyof typeof CHALLENGE_TYPES]: SolverFactory<Extract<ChallengeConfig, { type: K }>> } = {
  'http-01': async (c, name) => (await import('./challenges/http-01/index.js')).create(c, name),
  'dns-01': async (c, name) => {
    const load = dns01Providers[c.provider] as Lazy<SolverFactory<Dns01Config>> | undefined;
    if (!load) throw new CertloopError('UNKNOWN_PROVIDER', `unknown dns-01 provider "${c.provider}"`, { certificate: name, retryable: false });
    return (await load()).create(c, name);
  },
};

const targets: { [K in keyof typeof TARGET_TYPES]: Lazy<TargetFactory<Extract<TargetConfig, { type: K }>>> } = {
  file: () => import('./targets/file/index.js'),
  'key-vault': () => import('./targets/key-vault/index.js'),
};

/** Notifiers are small and made while a run starts: imported with the registry. */
const notifiers: { [K in keyof typeof NOTIFIER_TYPES]: NotifierFactory<Extract<NotifierConfig, { type: K }>> } = {
  webhook: webhook.create,
  slack: slack.create,
  teams: teams.create,
  exec: execNotifier.create,
};

export async function createSolver(config: ChallengeConfig, certificate: string): Promise<Solver> {
  const factory = solvers[config.type] as SolverFactory<ChallengeConfig> | undefined;
  if (!factory) throw new CertloopError('UNKNOWN_PROVIDER', `unknown challenge type "${config.type}"`, { certificate, retryable: false });
  return factory(config, certificate);
}

export async function createTarget(config: TargetConfig, certificate: string): Promise<Target> {
  const load = targets[config.type] as Lazy<TargetFactory<TargetConfig>> | undefined;
  if (!load) throw new CertloopError('UNKNOWN_PROVIDER', `unknown target type "${config.type}"`, { certificate, retryable: false });
  return (await load()).create(config, certificate);
}

/** `id` names the notifier in throttling state and metrics (see src/notify/dispatch.ts). */
export function createNotifier(config: NotifierConfig, id: string): Notifier {
  const factory = notifiers[config.type] as NotifierFactory<NotifierConfig> | undefined;
  if (!factory) throw new CertloopError('UNKNOWN_PROVIDER', `unknown notifier type "${config.type}"`, { retryable: false });
  return factory(config, id);
}

/** Where certificates certloop does not issue come from (`certificates[].source`), imported when first used. */
const certificateSources: { [K in CertificateSourceConfig['type']]: Lazy<SourceFactory<Extract<CertificateSourceConfig, { type: K }>>> } = {
  'key-vault': () => import('./certificate-sources/key-vault/index.js'),
};

export async function createCertificateSource(config: CertificateSourceConfig, certificate: string): Promise<CertificateSource> {
  const load = certificateSources[config.type] as Lazy<SourceFactory<CertificateSourceConfig>> | undefined;
  if (!load) throw new CertloopError('UNKNOWN_PROVIDER', `unknown source type "${config.type}"`, { certificate, retryable: false });
  return (await load()).create(config, certificate);
}

/** Watch sources (`watch.sources`), imported when a listing first needs them. */
const sources: { [K in keyof typeof WATCH_SOURCE_TYPES]: Lazy<WatchSourceFactory<Extract<WatchSourceConfig, { type: K }>>> } = {
  file: () => import('./sources/file/index.js'),
  axfr: () => import('./sources/axfr/index.js'),
  'azure-dns': () => import('./sources/azure-dns/index.js'),
};

export async function createWatchSource(config: WatchSourceConfig): Promise<WatchSource> {
  const load = sources[config.type] as Lazy<WatchSourceFactory<WatchSourceConfig>> | undefined;
  if (!load) throw new CertloopError('UNKNOWN_PROVIDER', `unknown watch source type "${config.type}"`, { retryable: false });
  return (await load()).create(config);
}

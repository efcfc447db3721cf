/**
 * The config schemas of every provider, by kind and by name: the one list of provider names.
 * The config schema, the editor schema and the "expected one of …" messages are built from it;
 * registry.ts maps the same names to their implementations, typed so that a name missing from
 * either does not compile. Kept apart from the implementations so loading a config never imports
 * a cloud SDK.
 */
import { z } from 'zod';
import { AzureDnsConfig } from './challenges/azure-dns/schema.js';
import { ExecDnsConfig } from './challenges/exec/schema.js';
import { Http01Config } from './challenges/http-01/schema.js';
import { Rfc2136Config } from './challenges/rfc2136/schema.js';
import { FileTargetConfig } from './targets/file/schema.js';
import { KeyVaultTargetConfig } from './targets/key-vault/schema.js';
import { describeKeyVaultSource, KeyVaultSourceConfig } from './certificate-sources/key-vault/schema.js';
import { ExecNotifierConfig } from './notifiers/exec/schema.js';
import { SlackNotifierConfig } from './notifiers/slack/schema.js';
import { TeamsNotifierConfig } from './notifiers/teams/schema.js';
import { WebhookNotifierConfig } from './notifiers/webhook/schema.js';
import { AxfrSourceConfig } from './sources/axfr/schema.js';
import { AzureDnsSourceConfig } from './sources/azure-dns/schema.js';
import { FileSourceConfig } from './sources/file/schema.js';

/** dns-01 solvers, one per DNS provider, chosen by `provider` (providers/challenges/<name>/). */
export const DNS01_PROVIDERS = { rfc2136: Rfc2136Config, 'azure-dns': AzureDnsConfig, exec: ExecDnsConfig };

export const Dns01Config = z.discriminatedUnion('provider', values(DNS01_PROVIDERS), {
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const given = (issue.input as { provider?: unknown } | undefined)?.provider;
    return given === undefined
      ? `unknown dns-01 provider: provider is missing; expected one of ${names(DNS01_PROVIDERS)}`
      : `unknown dns-01 provider: expected one of ${names(DNS01_PROVIDERS)}`;
  },
});
export type Dns01Config = z.infer<typeof Dns01Config>;

/**
 * Challenge types, chosen by `type`. `dns-01` is the family of DNS providers above, which share
 * one solver (src/dns/solver.ts); `http-01` is a provider of its own (providers/challenges/http-01/).
 */
export const CHALLENGE_TYPES = { 'http-01': Http01Config, 'dns-01': Dns01Config };

export const ChallengeConfig = z.discriminatedUnion('type', values(CHALLENGE_TYPES), { error: unknown('challenge type', CHALLENGE_TYPES) });
export type ChallengeConfig = z.infer<typeof ChallengeConfig>;

/** Deployment targets, chosen by `type` (providers/targets/<name>/). */
export const TARGET_TYPES = { file: FileTargetConfig, 'key-vault': KeyVaultTargetConfig };

export const TargetConfig = z.discriminatedUnion('type', values(TARGET_TYPES), { error: unknown('target type', TARGET_TYPES) });
export type TargetConfig = z.infer<typeof TargetConfig>;

/** Notifiers, chosen by `type` (providers/notifiers/<name>/). */
export const NOTIFIER_TYPES = { webhook: WebhookNotifierConfig, slack: SlackNotifierConfig, teams: TeamsNotifierConfig, exec: ExecNotifierConfig };

export const NotifierConfig = z.discriminatedUnion('type', values(NOTIFIER_TYPES), { error: unknown('notifier type', NOTIFIER_TYPES) });
export type NotifierConfig = z.infer<typeof NotifierConfig>;

/** Watch sources, chosen by `type` (providers/sources/<name>/): where `watch.sources` find names to watch. */
export const WATCH_SOURCE_TYPES = { file: FileSourceConfig, axfr: AxfrSourceConfig, 'azure-dns': AzureDnsSourceConfig };

export const WatchSourceConfig = z.discriminatedUnion('type', values(WATCH_SOURCE_TYPES), { error: unknown('watch source type', WATCH_SOURCE_TYPES) });
export type WatchSourceConfig = z.infer<typeof WatchSourceConfig>;

/** "webhook, slack, teams, exec": the names of one kind, in registration order. */
export function names(kind: object): string {
  return Object.keys(kind).join(', ');
}

function values<T>(kind: Record<string, T>): [T, ...T[]] {
  return Object.values(kind) as [T, ...T[]];
}

function unknown(what: string, kind: object): (issue: { code: string }) => string | undefined {
  return (issue) => (issue.code === 'invalid_union' ? `unknown ${what}: expected one of ${names(kind)}` : undefined);
}

/**
 * Where a certificate certloop does not issue comes from (`certificates[].source`,
 * providers/certificate-sources/<name>/); with one, `challenge` and `targets` are left out
 * (config/schema.ts).
 */
export const SOURCE_TYPES = { 'key-vault': KeyVaultSourceConfig };

export const CertificateSourceConfig = z.discriminatedUnion('type', values(SOURCE_TYPES), { error: unknown('source type', SOURCE_TYPES) });
export type CertificateSourceConfig = z.infer<typeof CertificateSourceConfig>;

/** The source in words, for status and decisions: `Key Vault certificate "www" in https://…`. */
export function describeCertificateSource(source: CertificateSourceConfig): string {
  return describeKeyVaultSource(source);
}

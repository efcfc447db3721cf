/**
 * The config schemas of every provider, in one explicit list (the implementations are listed in
 * registry.ts). Kept apart from the implementations so loading a config never imports a cloud SDK.
 */
import { z } from 'zod';
import { AzureDnsConfig } from './challenges/azure-dns/schema.js';
import { ExecDnsConfig } from './challenges/exec/schema.js';
import { Http01Config } from './challenges/http-01/schema.js';
import { Rfc2136Config } from './challenges/rfc2136/schema.js';
import { FileTargetConfig } from './targets/file/schema.js';
import { KeyVaultTargetConfig } from './targets/key-vault/schema.js';
import { ExecNotifierConfig } from './notifiers/exec/schema.js';
import { SlackNotifierConfig } from './notifiers/slack/schema.js';
import { TeamsNotifierConfig } from './notifiers/teams/schema.js';
import { WebhookNotifierConfig } from './notifiers/webhook/schema.js';
import { AxfrSourceConfig } from './sources/axfr/schema.js';
import { AzureDnsSourceConfig } from './sources/azure-dns/schema.js';

/** dns-01 solvers, one per DNS provider, chosen by `provider`. */
export const DNS01_PROVIDERS = ['rfc2136', 'azure-dns', 'exec'] as const;
export const Dns01Config = z.discriminatedUnion('provider', [Rfc2136Config, AzureDnsConfig, ExecDnsConfig], {
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const given = (issue.input as { provider?: unknown } | undefined)?.provider;
    return given === undefined
      ? `unknown dns-01 provider: provider is missing; expected one of ${DNS01_PROVIDERS.join(', ')}`
      : `unknown dns-01 provider: expected one of ${DNS01_PROVIDERS.join(', ')}`;
  },
});
export type Dns01Config = z.infer<typeof Dns01Config>;

export const ChallengeConfig = z.discriminatedUnion('type', [Http01Config, Dns01Config], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'unknown challenge type: expected one of http-01, dns-01' : undefined,
});
export type ChallengeConfig = z.infer<typeof ChallengeConfig>;

export const TargetConfig = z.discriminatedUnion('type', [FileTargetConfig, KeyVaultTargetConfig], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown target type: expected one of file, key-vault' : undefined),
});
export type TargetConfig = z.infer<typeof TargetConfig>;

export const NotifierConfig = z.discriminatedUnion('type', [WebhookNotifierConfig, SlackNotifierConfig, TeamsNotifierConfig, ExecNotifierConfig], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown notifier type: expected one of webhook, slack, teams, exec' : undefined),
});
export type NotifierConfig = z.infer<typeof NotifierConfig>;

/** Where `watch.sources` find names to watch (providers/sources/<type>/). */
export const WATCH_SOURCE_TYPES = ['axfr', 'azure-dns'] as const;
export const WatchSourceConfig = z.discriminatedUnion('type', [AxfrSourceConfig, AzureDnsSourceConfig], {
  error: (issue) => (issue.code === 'invalid_union' ? `unknown watch source type: expected one of ${WATCH_SOURCE_TYPES.join(', ')}` : undefined),
});
export type WatchSourceConfig = z.infer<typeof WatchSourceConfig>;

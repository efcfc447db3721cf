/**
 * The configuration schema. Types come from here (z.infer), the loader validates with it, and
 * `certloop config schema` prints it as JSON Schema for editors. The top-level shape
 * (acme, state, certificates[].{name, domains, key, challenge, targets, verify}) is a contract
 * that outside checks rely on: add keys, never rename them.
 */
import { z } from 'zod';
import { ChallengeConfig, TargetConfig } from '../../providers/schemas.js';
import { DomainName, Duration, FilePath, Port } from './fields.js';
import { StateConfig } from '../state/config.js';

export const KEY_TYPES = ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const DIRECTORY_ALIASES: Record<string, string> = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

const DirectoryUrl = z
  .string()
  .transform((s) => DIRECTORY_ALIASES[s] ?? s)
  .pipe(z.url({ protocol: /^https?$/, message: 'expected an https:// ACME directory URL or one of the aliases letsencrypt, letsencrypt-staging' }));

export const AcmeConfig = z.strictObject({
  directory: DirectoryUrl,
  email: z.email({ message: 'expected an e-mail address for the ACME account contact' }).optional(),
  /** Extra trust (PEM) for the ACME server's own TLS certificate, e.g. Pebble's. */
  caBundle: FilePath.optional(),
});

export const EndpointConfig = z.strictObject({
  host: z.string().min(1),
  port: Port.default(443),
  /** SNI to send; defaults to host when host is a name. */
  sni: z.string().min(1).optional(),
});
export type EndpointConfig = z.infer<typeof EndpointConfig>;

export const VerifyConfig = z.strictObject({
  endpoints: z.array(EndpointConfig).default([]),
  /** Extra roots (PEM) for checking the served chain. */
  trust: FilePath.optional(),
  /** Per-connection timeout. */
  timeout: Duration.default(10_000),
  /** How long one run keeps polling after a deploy before leaving the certificate pending. */
  pollFor: Duration.default(15_000),
});
export type VerifyConfig = z.infer<typeof VerifyConfig>;

const CertificateName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    message: 'expected a name of letters, digits, ".", "_" or "-" (it is used in file names and metrics)',
  });

export const CertificateConfig = z.strictObject({
  name: CertificateName,
  domains: z.array(DomainName).min(1, 'list at least one domain'),
  key: z.strictObject({ type: z.enum(KEY_TYPES) }).default({ type: 'ecdsa-p256' }),
  challenge: ChallengeConfig,
  targets: z.array(TargetConfig).min(1, 'list at least one target, or certloop has nowhere to deploy'),
  verify: VerifyConfig.default({ endpoints: [], timeout: 10_000, pollFor: 15_000 }),
});
export type CertificateConfig = z.infer<typeof CertificateConfig>;

export const Config = z
  .strictObject({
    acme: AcmeConfig,
    /** Path of the embedded SQLite state file, or a typed store ({ type: azure-blob, ... }); see src/state/config.ts. */
    state: StateConfig.prefault('./certloop.db'),
    /** How many certificates one run works on at once. */
    concurrency: z.number().int().min(1).max(256).default(8),
    certificates: z.array(CertificateConfig).min(1, 'list at least one certificate'),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.certificates.forEach((c, i) => {
      const first = seen.get(c.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['certificates', i, 'name'],
          message: `duplicate certificate name "${c.name}" (first used by certificates[${first}]); names must be unique`,
        });
      } else seen.set(c.name, i);
      const domains = new Set<string>();
      c.domains.forEach((d, j) => {
        if (domains.has(d)) {
          ctx.addIssue({ code: 'custom', path: ['certificates', i, 'domains', j], message: `domain "${d}" is listed twice` });
        }
        domains.add(d);
        if (d.startsWith('*.') && c.challenge.type === 'http-01') {
          ctx.addIssue({
            code: 'custom',
            path: ['certificates', i, 'domains', j],
            message: `wildcard "${d}" needs a dns-01 challenge; CAs never validate wildcards over http-01`,
          });
        }
      });
    });
  });
export type Config = z.infer<typeof Config>;

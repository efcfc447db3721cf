/**
 * The configuration schema. Types come from here (z.infer), the loader validates with it, and
 * `certloop config schema` prints it as JSON Schema for editors. The top-level shape
 * (acme, state, certificates[].{name, domains, key, challenge, targets, verify}) is a contract
 * that outside checks rely on: add keys, never rename them.
 */
import net from 'node:net';
import { z } from 'zod';
import { PolicyRef } from '../policy/schema.js';
import { STARTTLS_PROTOCOLS } from '../verify/schema.js';
import { validateCronExpression } from '../util/cron-expression.js';
import { formatDuration } from '../util/duration.js';
import { CertificateSourceConfig, ChallengeConfig, describeCertificateSource, NotifierConfig, TargetConfig, WatchSourceConfig } from '../../providers/schemas.js';
import { DomainName, Duration, DurationWithin, FilePath, HostPort, isIpIdentifier, Port, ProfileName } from './fields.js';
import { BOUNDS } from './bounds.js';
import { DEFAULT_ACME_TIMEOUTS } from '../acme/timeouts.js';
import { StateConfig } from '../state/config.js';
import { collisionMessage, FileClaims, targetFiles } from './target-files.js';
import { parseSerial } from '../pki/certificate.js';

export const KEY_TYPES = ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const DIRECTORY_ALIASES: Record<string, string> = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

export const DirectoryUrl = z
  .string()
  .transform((s) => DIRECTORY_ALIASES[s] ?? s)
  .pipe(z.url({ protocol: /^https?$/, message: 'expected an https:// ACME directory URL or one of the aliases letsencrypt, letsencrypt-staging' }));

/** External account binding (RFC 8555 §7.3.4) some CAs require; write both as ${env:}/${file:} references. */
export const EabConfig = z.strictObject({
  kid: z.string().min(1, 'expected the key identifier the CA gave you').max(1024, 'expected the key identifier the CA gave you (at most 1024 characters)'),
  /** base64url HMAC key from the CA. A secret: never written in the file itself. */
  hmacKey: z
    .string()
    .min(1, 'expected the base64url HMAC key the CA gave you')
    // Decoded leniently by the ACME client, so a wrong key only shows as the CA refusing the account.
    .regex(/^(?=[\s\S]{1,1024}$)[A-Za-z0-9_-]+={0,2}$/, {
      message: 'expected the base64url HMAC key the CA gave you (letters, digits, "-" and "_"; a standard base64 key becomes base64url with + as - and / as _)',
    }),
});

/** An ACME account contact, at most 254 characters (RFC 5321's path limit): a 50 MB one passed (issue 16). */
const Email = z
  .email({ message: 'expected an e-mail address for the ACME account contact' })
  .max(254, 'expected an e-mail address for the ACME account contact (at most 254 characters)');

/** A further ACME CA, ordered from when the ones before it keep failing (src/acme/ca-selection.ts). */
export const FallbackCaConfig = z.strictObject({
  directory: DirectoryUrl,
  /** Account contact; defaults to acme.email. */
  email: Email.optional(),
  caBundle: FilePath.optional(),
  eab: EabConfig.optional(),
});
export type FallbackCaConfig = z.infer<typeof FallbackCaConfig>;

export const AcmeConfig = z.strictObject({
  directory: DirectoryUrl,
  email: Email.optional(),
  /** Extra trust (PEM) for the ACME server's own TLS certificate, e.g. Pebble's. */
  caBundle: FilePath.optional(),
  eab: EabConfig.optional(),
  /** Further CAs in order, each with its own account, for when this one keeps failing. */
  fallback: z.array(FallbackCaConfig).default([]),
  /** Consecutive CA-side failures (unreachable, 5xx, 429) of one certificate before the next CA is used. */
  failoverAfter: z.number().int().min(1).max(100).default(2),
  /** Directory `certloop drill` orders from (Let's Encrypt staging for Let's Encrypt; Pebble: the same). */
  staging: DirectoryUrl.optional(),
  /** Deadline of one HTTP exchange with a CA (directory, account, order, poll, download, renewalInfo). */
  timeout: DurationWithin(1000, 10 * 60_000).default(DEFAULT_ACME_TIMEOUTS.requestMs),
  /** Deadline of the TCP connection and TLS handshake to a CA. */
  connectTimeout: DurationWithin(100, 5 * 60_000).default(DEFAULT_ACME_TIMEOUTS.connectMs),
  /** Deadline of one order at one CA, from placing it to the download, waits for validation included. */
  orderTimeout: DurationWithin(10_000, 24 * 3_600_000).default(DEFAULT_ACME_TIMEOUTS.orderMs),
  /** ACME profile (draft-ietf-acme-profiles) every order asks for unless a certificate or its policy names one; the CA must offer it. */
  profile: ProfileName.optional(),
});
export type AcmeConfig = z.infer<typeof AcmeConfig>;

const CertificateName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    message: 'expected a name of letters, digits, ".", "_" or "-" (it is used in file names and metrics)',
  });

/** Connections per address (issue 15): 1 up to 1,000 (a pool of 50 nodes at 99% confidence needs ~230). */
export const Samples = z.number().int().min(1, 'expected at least 1 connection per address').max(1000, 'expected at most 1000 connections per address');

export const EndpointConfig = z.strictObject({
  /** Resolved to every A and AAAA address; each one is checked. */
  host: z.string().min(1),
  port: Port.default(443),
  /** SNI to send; defaults to host when host is a name. A host name (RFC 6066 §3): no spaces, no trailing dot. */
  sni: z
    .string()
    .regex(/^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/, {
      message: 'expected the host name to send as SNI, such as www.example.com (letters, digits, "-", "_" and dots; no spaces)',
    })
    .optional(),
  /** Pin the addresses to check instead of resolving host. */
  addresses: z.array(z.string().refine((a) => net.isIP(a) !== 0, { message: 'expected an IPv4 or IPv6 address such as 10.0.0.4 or 2001:db8::5' })).min(1, 'list at least one address, or leave addresses out to resolve host').optional(),
  /** Speak this protocol's plaintext upgrade before the TLS handshake. */
  starttls: z.enum(STARTTLS_PROTOCOLS, { message: `expected one of ${STARTTLS_PROTOCOLS.join(', ')}` }).optional(),
  /** Per-connection timeout for this endpoint (default: verify.timeout). */
  timeout: DurationWithin(...BOUNDS.networkTimeout).optional(),
  /** Connections per address for this endpoint (default: verify.samples), e.g. more for a large pool. */
  samples: Samples.optional(),
  /** Resolve only A (4) or only AAAA (6): the name has no service on the other family, so its lookup failing does not matter. */
  family: z.literal([4, 6], { message: 'expected 4 (A records only) or 6 (AAAA records only)' }).optional(),
  /** Other certificates of this config the same server also serves (another key type: ECDSA + RSA); their serials count as served. */
  alsoServes: z.array(CertificateName).min(1, 'name at least one certificate, or leave alsoServes out').optional(),
});
export type EndpointConfig = z.infer<typeof EndpointConfig>;

/** A DNS server for verify.resolver: an IP address with an optional port ("127.0.0.1:5353", "[::1]:53", "192.0.2.53"). */
const DnsServer = z.string().refine(
  (s) => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]:(\d{1,5})|(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?|([0-9a-fA-F:]+))$/.exec(s);
    if (!m) return false;
    const ip = m[1] ?? m[3] ?? m[5];
    const port = Number(m[2] ?? m[4] ?? 53);
    return net.isIP(ip) !== 0 && port >= 1 && port <= 65535;
  },
  { message: 'expected a DNS server as IP or IP:PORT, for example 127.0.0.1:5353 or [::1]:53' },
);

export const VerifyConfig = z.strictObject({
  /** Where the certificate must be observed served; without any, nothing confirms a deploy (status Deployed, never Ready). */
  endpoints: z.array(EndpointConfig).default([]),
  /** true: no endpoints, on purpose; the deployed certificate counts as Ready, shown as "unverified by choice". */
  unverified: z.boolean().optional(),
  /** DNS servers to resolve endpoint hosts with (default: the system resolver). */
  resolver: z.array(DnsServer).min(1, 'list at least one DNS server, or leave resolver out to use the system resolver').optional(),
  /** How long after a deploy the certificate may stay not served everywhere before it is overdue (default: the policy's). */
  deadline: Duration.optional(),
  /** Extra roots (PEM) for checking the served chain. */
  trust: FilePath.optional(),
  /** Per-connection timeout. */
  timeout: DurationWithin(...BOUNDS.networkTimeout).default(10_000),
  /** How long one run keeps polling after a deploy before leaving the certificate pending. */
  pollFor: DurationWithin(0, 3_600_000).default(15_000),
  /** Connections per address on every verification (separate connections, rotating client profiles). */
  samples: Samples.default(3),
  /**
   * After a deploy, how long every address must keep serving the new serial before it counts as
   * confirmed (default 3s, at most half of pollFor: verify/confirm.ts settleOf). Not longer than pollFor.
   */
  settle: DurationWithin(0, 3_600_000).optional(),
});
export type VerifyConfig = z.infer<typeof VerifyConfig>;

/**
 * An endpoint certloop watches but does not issue for (issue 18): what it serves is recorded and
 * judged (expiry, chain, an expected serial), with the keys of a verify endpoint.
 */
export const WatchedEndpointConfig = EndpointConfig.omit({ alsoServes: true }).extend({
  /** Unique among watched endpoints and apart from certificate names: used in status, metrics and events. */
  name: CertificateName,
  /** The serial that should be served (hex as openssl prints it); anything else is drift. */
  expectSerial: z
    .string()
    .transform((s, ctx) => {
      const serial = parseSerial(s);
      if (serial === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a serial in hex such as 0A1B2C, 0a:1b:2c or serial=0A1B2C (as openssl x509 -serial prints it)' });
        return z.NEVER;
      }
      return serial;
    })
    .optional(),
  /** Extra roots (PEM) for checking this endpoint's served chain. */
  trust: FilePath.optional(),
});
export type WatchedEndpointConfig = z.infer<typeof WatchedEndpointConfig>;

const WATCH_INTERVAL_MS = 3_600_000;

const WatchObject = z.strictObject({
  /** Daemon: how often every watched endpoint is checked. */
  interval: DurationWithin(...BOUNDS.verifyInterval).default(WATCH_INTERVAL_MS),
  /** Where the expiring thresholds (`expiringThresholds`) and `recheckInterval` come from (default "default"). */
  policy: PolicyRef.optional(),
  endpoints: z.array(WatchedEndpointConfig).default([]),
  /** Places that list more names to watch (providers/sources/). */
  sources: z.array(WatchSourceConfig).default([]),
});

/** `watch:` a mapping, or a plain list: shorthand for `{ endpoints: [...] }`. */
export const WatchConfig = z.union([WatchObject, z.array(WatchedEndpointConfig).transform((endpoints): WatchConfig => ({ interval: WATCH_INTERVAL_MS, endpoints, sources: [] }))]);
export type WatchConfig = z.infer<typeof WatchObject>;

const CronExpression = z.string().superRefine((s, ctx) => {
  const r = validateCronExpression(s);
  if (!r.valid) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a cron expression such as "17 3,15 * * *" (minute hour day month weekday, optionally seconds first): ${r.error?.message ?? 'invalid'}`,
    });
  }
});

export const CertificateConfig = z.strictObject({
  name: CertificateName,
  domains: z.array(DomainName).min(1, 'list at least one domain'),
  /**
   * The certificate's private key. `reuse: false` (the default): a new key for every certificate,
   * renewals and revocation replacements alike. `reuse: true`: a renewal keeps the current key (for
   * DANE "3 1 1" records or pinned keys) unless that key was revoked or is of another type.
   */
  key: z.strictObject({ type: z.enum(KEY_TYPES), reuse: z.boolean().optional() }).default({ type: 'ecdsa-p256' }),
  /** Required unless `source` is given (Config's superRefine says so with the usual message). */
  challenge: ChallengeConfig.optional(),
  /** Required unless `source` is given. */
  targets: z.array(TargetConfig).min(1, 'list at least one target, or certloop has nowhere to deploy').optional(),
  verify: VerifyConfig.default({ endpoints: [], timeout: 10_000, pollFor: 15_000, samples: 3 }),
  /** Renewal policy: a name from policies/ (default "default"), or { name, ...fields to override }. */
  policy: PolicyRef.optional(),
  /** ACME profile to order this certificate with (wins over the policy's and acme.profile); the CA must offer it. */
  profile: ProfileName.optional(),
  /**
   * A certificate certloop does not issue: read from here (Key Vault's latest enabled version) and
   * verified on the endpoints, with the policy's verify deadline for the pick-up (issue 18 §3).
   */
  source: CertificateSourceConfig.optional(),
});
export type CertificateConfig = z.infer<typeof CertificateConfig>;

export const Config = z
  .strictObject({
    acme: AcmeConfig,
    /** Path of the embedded SQLite state file, or a typed store ({ type: azure-blob, ... }); see src/state/config.ts. */
    state: StateConfig.prefault('./certloop.db'),
    /** How many certificates one run works on at once. */
    concurrency: z.number().int().min(1).max(256).default(8),
    /** Extra renewal policy files (YAML), besides the shipped policies/. */
    policies: z.array(FilePath).optional(),
    /** May be empty or left out when `watch` lists what to watch. */
    certificates: z.array(CertificateConfig).default([]),
    /** Endpoints watched without issuing (issue 18): expiry, chain, drift, changes. */
    watch: WatchConfig.optional(),
    /** Where events go (providers/notifiers): webhook, slack, teams, exec. */
    notify: z.array(NotifierConfig).default([]),
    /** Daemon: cron expression of full runs (default: twice a day at a minute fixed per installation). */
    schedule: CronExpression.optional(),
    /**
     * Daemon: the near-expiry drill on its own schedule (default weekly at a time fixed per
     * installation). `enabled` defaults to true; left unset, it is skipped with a warning when there
     * is no staging directory to drill against.
     */
    drill: z
      .strictObject({
        enabled: z.boolean().optional(),
        schedule: CronExpression.optional(),
      })
      .optional(),
    /** Daemon: how often deployed certificates are re-verified between runs (drift, overdue). */
    verifyInterval: DurationWithin(...BOUNDS.verifyInterval).default(3_600_000),
    /**
     * Daemon: /healthz answers 503 once a pass has been working longer than this (default: derived
     * from the timeouts, see src/daemon/liveness.ts), so a liveness probe restarts a hung daemon.
     */
    passTimeout: DurationWithin(1000, 7 * 86_400_000).optional(),
    /** Daemon: after SIGTERM/SIGINT, exit within this even if the step in progress has not finished. */
    shutdownTimeout: DurationWithin(1000, 3_600_000).default(30_000),
    /** Daemon: HTTP address of /metrics, /healthz and the status page (loopback by default). */
    listen: HostPort.default('127.0.0.1:9464'),
    /** Daemon: the status page at `/`; authentication for when `listen` is not loopback. */
    statusPage: z
      .strictObject({
        auth: z
          .strictObject({
            bearerToken: z.string().min(1).optional(),
            basic: z.strictObject({ user: z.string().min(1), password: z.string().min(1) }).optional(),
          })
          .refine((a) => a.bearerToken !== undefined || a.basic !== undefined, { message: 'auth needs bearerToken or basic (or leave auth out)' })
          .optional(),
        /** Let browsers reload the page this often (no JavaScript: a meta refresh). */
        refresh: DurationWithin(1000, 86_400_000).optional(),
      })
      .optional(),
  })
  .superRefine((cfg, ctx) => {
    // Rules between different certificates (unique names, files no two targets share) must also
    // go into config/outline.ts, which validates the certificates a slice at a time; rules within
    // one certificate into outline.ts quickCertificate. (References by name, alsoServes, are
    // checked after validation: config/references.ts.)
    const seen = new Map<string, number>();
    const files = new FileClaims();
    if (cfg.certificates.length === 0 && !cfg.watch) {
      ctx.addIssue({ code: 'custom', path: ['certificates'], message: 'list at least one certificate (or endpoints to watch under watch:)' });
    }
    cfg.certificates.forEach((c, i) => {
      for (const p of sourceProblems(c)) ctx.addIssue({ ...p, path: ['certificates', i, ...p.path] });
      for (const claimed of targetFiles(c.targets ?? [], i)) {
        const first = files.claim(claimed);
        if (first) ctx.addIssue({ code: 'custom', path: claimed.at, message: collisionMessage(claimed.file, first) });
      }
      if (c.verify.unverified && c.verify.endpoints.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['certificates', i, 'verify', 'unverified'],
          message: 'unverified: true means no endpoint confirms this certificate, but endpoints are listed: remove unverified (the endpoints are verified) or the endpoints',
        });
      }
      const first = seen.get(c.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['certificates', i, 'name'],
          message: `duplicate certificate name "${c.name}" (first used by certificates[${first}]); names must be unique`,
        });
      } else seen.set(c.name, i);
      if (c.verify.settle !== undefined && c.verify.settle > c.verify.pollFor) {
        ctx.addIssue({
          code: 'custom',
          path: ['certificates', i, 'verify', 'settle'],
          message: `settle (${formatDuration(c.verify.settle)}) is longer than pollFor (${formatDuration(c.verify.pollFor)}): no deploy could be confirmed within one run; lower settle or raise pollFor`,
        });
      }
      const domains = new Set<string>();
      c.domains.forEach((d, j) => {
        if (domains.has(d)) {
          ctx.addIssue({ code: 'custom', path: ['certificates', i, 'domains', j], message: `domain "${d}" is listed twice` });
        }
        domains.add(d);
        if (d.startsWith('*.') && c.challenge?.type === 'http-01') {
          ctx.addIssue({
            code: 'custom',
            path: ['certificates', i, 'domains', j],
            message: `wildcard "${d}" needs a dns-01 challenge; CAs never validate wildcards over http-01`,
          });
        }
        if (isIpIdentifier(d) && c.challenge && c.challenge.type !== 'http-01') {
          ctx.addIssue({
            code: 'custom',
            path: ['certificates', i, 'domains', j],
            message: `"${d}" is an IP address: CAs validate IP identifiers over http-01 only (RFC 8738 §7 forbids dns-01, there is no reverse-DNS TXT challenge); use challenge: { type: http-01, ... } for this certificate`,
          });
        }
      });
    });
    if (cfg.watch) watchProblems(cfg.watch, seen, ctx);
  });
export type Config = z.infer<typeof Config>;

/** What `decide` is told about a certificate's source (its description), or undefined when certloop issues it. */
export function sourceLabel(cert: { source?: CertificateSourceConfig }): string | undefined {
  return cert.source ? describeCertificateSource(cert.source) : undefined;
}

type SourceProblem = { path: (string | number)[] } & (
  | { code: 'invalid_type'; expected: 'object' | 'array'; input: undefined; message: string }
  | { code: 'custom'; message: string }
);

/**
 * `challenge` and `targets` are required unless the certificate has a `source`, with the very
 * message a missing required field gets; with a source they would never be used, and a source
 * needs a verify deadline that allows for its consumers' pick-up (the default policy's is 0s).
 * Mirrored in config/outline.ts quickCertificate (which then leaves the certificate to zod).
 */
export function sourceProblems(c: Pick<CertificateConfig, 'challenge' | 'targets' | 'source' | 'policy' | 'verify'>): SourceProblem[] {
  if (!c.source) {
    return [
      ...(c.challenge === undefined ? [{ code: 'invalid_type' as const, expected: 'object' as const, input: undefined, path: ['challenge'], message: 'required field is missing' }] : []),
      ...(c.targets === undefined ? [{ code: 'invalid_type' as const, expected: 'array' as const, input: undefined, path: ['targets'], message: 'required field is missing' }] : []),
    ];
  }
  const out: SourceProblem[] = [];
  for (const field of ['challenge', 'targets'] as const) {
    if (c[field] !== undefined) {
      out.push({
        code: 'custom',
        path: [field],
        message: `certloop does not issue a certificate with a source (it reads ${c.source.type} and verifies the endpoints), so ${field} would never be used: remove ${field}, or remove source to have certloop issue the certificate`,
      });
    }
  }
  if (c.policy === undefined && c.verify.deadline === undefined) {
    out.push({
      code: 'custom',
      path: ['policy'],
      message:
        'a certificate from a source is picked up by its consumers on their own schedule: name the policy of what serves it (azure-app-gateway: polls every 4h; azure-app-service: within 24h; azure-front-door: up to 72h) or set verify.deadline; the default policy allows no pick-up time at all',
    });
  }
  return out;
}

/** Watched endpoint names: unique, and apart from certificate names (events and metrics use both). */
function watchProblems(watch: WatchConfig, certificates: Map<string, number>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  watch.endpoints.forEach((ep, i) => {
    const first = seen.get(ep.name);
    const at = ['watch', 'endpoints', i, 'name'];
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: at, message: `duplicate watched endpoint name "${ep.name}" (first used by watch.endpoints[${first}]); names must be unique` });
    else seen.set(ep.name, i);
    const cert = certificates.get(ep.name);
    if (cert !== undefined) ctx.addIssue({ code: 'custom', path: at, message: `"${ep.name}" is also the name of certificates[${cert}]; give the watched endpoint another name (events and metrics name both)` });
  });
}

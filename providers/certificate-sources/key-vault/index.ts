/**
 * Key Vault as the source of a certificate certloop does not issue (issue 18 §3): each run lists
 * the versions of one certificate object, picks the latest enabled one that is valid already
 * (pick.ts), and reads its public certificate (`cer`) for the serial and expiry. Nothing is
 * written, and the private key (the secret) is never read.
 *
 * The clients, the bounded retry on throttling and the error messages are the Key Vault target's
 * (providers/targets/key-vault/), with SOURCE_FAILED in the observe step instead of DEPLOY_FAILED.
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateProperties } from '@azure/keyvault-certificates';
import { CertloopError } from '../../../src/errors.js';
import { describeCertificate, normalizeSerial } from '../../../src/pki/certificate.js';
import type { CertificateSource, SourceContext, SourceFactory, SourceVersion } from '../../../src/plugins.js';
import { abortable } from '../../../src/util/timers.js';
import { openClients, type KeyVaultClients } from '../../targets/key-vault/client.js';
import { classifyKeyVaultError, type Operation } from '../../targets/key-vault/errors.js';
import { pickVersion } from './pick.js';
import { describeKeyVaultSource, type KeyVaultSourceConfig } from './schema.js';

const FAILURE = { code: 'SOURCE_FAILED', step: 'observe' } as const;

export class KeyVaultSource implements CertificateSource {
  readonly id: string;
  private clients?: Promise<KeyVaultClients>;

  constructor(
    private readonly config: KeyVaultSourceConfig,
    private readonly certificate: string,
  ) {
    this.id = `key-vault:${config.vaultUrl}/certificates/${config.certificateName}`;
  }

  describe(): string {
    return describeKeyVaultSource(this.config);
  }

  async current(ctx: SourceContext): Promise<SourceVersion | undefined> {
    const name = this.config.certificateName;
    const versions = await this.call('list', ctx, async (c, abortSignal) => {
      const all: CertificateProperties[] = [];
      try {
        for await (const p of c.certificates.listPropertiesOfCertificateVersions(name, { abortSignal })) all.push(p);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      return all;
    });
    if (!versions) {
      throw new CertloopError('SOURCE_FAILED', `${this.describe()} does not exist: check vaultUrl and certificateName (certloop does not create it; whatever issues the certificate does)`, {
        certificate: this.certificate,
        step: 'observe',
        retryable: false,
      });
    }
    const picked = pickVersion(
      versions.filter((v): v is CertificateProperties & { version: string } => !!v.version).map((v) => ({ ...v, enabled: v.enabled !== false })),
      ctx.now,
    );
    if (!picked.chosen) return undefined;
    const version = picked.chosen.version;
    const kv = await this.call('get', ctx, (c, abortSignal) => c.certificates.getCertificateVersion(name, version, { abortSignal }));
    if (!kv.cer) throw new CertloopError('SOURCE_FAILED', `version ${version} of ${this.describe()} has no certificate yet (a pending request?)`, { certificate: this.certificate, step: 'observe' });
    const cert = new X509Certificate(Buffer.from(kv.cer));
    const facts = describeCertificate(cert);
    ctx.log.debug({ certificate: this.certificate, source: this.id, version, serial: facts.serial, skipped: picked.skipped.length }, 'read the latest enabled Key Vault version');
    return {
      serial: normalizeSerial(cert.serialNumber),
      version,
      notBefore: facts.notBefore,
      notAfter: facts.notAfter,
      domains: facts.dnsNames,
      certPem: cert.toString(),
      currentSince: picked.currentSince!,
      skipped: picked.skipped,
    };
  }

  /** One SDK call with the source's time limit (sign-in included), its errors classified. */
  private async call<T>(op: Operation, ctx: SourceContext, fn: (c: KeyVaultClients, abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.config.timeout), ...(ctx.signal ? [ctx.signal] : [])]);
    try {
      this.clients ??= openClients(this.config, this.certificate, ctx.log, FAILURE);
      // Raced as well: the SDK's sign-in does not honour the signal everywhere (issue 16).
      return await abortable((async () => fn(await this.clients!, signal))(), signal);
    } catch (err) {
      throw classifyKeyVaultError(err, op, this.config, this.certificate, FAILURE.step, FAILURE.code);
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { statusCode?: number } | undefined;
  return e?.statusCode === 404;
}

export const create: SourceFactory<KeyVaultSourceConfig> = (config, certificate) => new KeyVaultSource(config, certificate);

/**
 * Azure Key Vault target: each deploy imports the certificate as a new version of one certificate
 * object (PFX: leaf, chain, key; 3DES + SHA-1 MAC). Application Gateway, App Service, Front Door and
 * Container Apps then pick the latest version up on their own schedule, which is why endpoint
 * verification may stay pending for a while after a successful deploy.
 *
 * - Idempotent: when the latest version already holds this serial, nothing is imported.
 * - Never imports an expired certificate (consumers would pick it up and serve it).
 * - Confirms its own work: after the import it reads the latest version back and compares the
 *   serial of its `cer` with the deployed one.
 * - Observable (`status` shows the latest version) and adoptable (a valid certificate already in
 *   the vault, with its key from the secret of the same name, is taken over on the first run).
 *
 * The Azure SDKs are loaded on first use (client.ts), never when a config is loaded.
 */
import { X509Certificate } from 'node:crypto';
import type { KeyVaultCertificate } from '@azure/keyvault-certificates';
import { CertloopError, type Step } from '../../../src/errors.js';
import { abortable } from '../../../src/util/timers.js';
import { describeCertificate, normalizeSerial, splitPem } from '../../../src/pki/certificate.js';
import { uncoveredDomains } from '../../../src/pki/domains.js';
import type {
  AdoptableTarget,
  AdoptedCertificate,
  CertificateBundle,
  DeployContext,
  DescribedObservation,
  DrillableTarget,
  DrillCopy,
  ObservableTarget,
  ObservedCertificate,
  Target,
  TargetFactory,
} from '../../../src/plugins.js';
import { openClients, type KeyVaultClients } from './client.js';
import { classifyKeyVaultError, type Operation } from './errors.js';
import type { KeyVaultTargetConfig } from './schema.js';

/** Tags certloop writes on every version it imports (Key Vault tag values are at most 256 characters). */
export const TAGS = { serial: 'certloop-serial', domains: 'certloop-domains', issuedAt: 'certloop-issued-at', adoptedAt: 'certloop-adopted-at' } as const;

interface LatestVersion extends ObservedCertificate {
  version: string;
  enabled: boolean;
  cert: X509Certificate;
  tags: Record<string, string>;
}

export class KeyVaultTarget implements Target, ObservableTarget, DescribedObservation, AdoptableTarget, DrillableTarget {
  readonly id: string;
  private clients?: Promise<KeyVaultClients>;

  constructor(
    private readonly config: KeyVaultTargetConfig,
    private readonly certificate: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.id = `key-vault:${config.vaultUrl}/certificates/${config.certificateName}`;
  }

  drillCopy(): Target & DrillCopy {
    const name = `${this.config.certificateName}-drill`.slice(0, 127);
    return new KeyVaultDrillCopy({ ...this.config, certificateName: name, adopt: false }, this.certificate, this.now);
  }

  describe(): string {
    return `Key Vault certificate "${this.config.certificateName}" in ${this.config.vaultUrl}`;
  }

  async deploy(bundle: CertificateBundle, ctx: DeployContext): Promise<void> {
    const { certificateName: name } = this.config;
    if (bundle.notAfter.getTime() <= this.now().getTime()) {
      throw new CertloopError(
        'DEPLOY_FAILED',
        `certificate ${bundle.serial} expired at ${bundle.notAfter.toISOString()}: not importing it into ${this.describe()}, whose consumers would serve it`,
        { certificate: this.certificate, step: 'deploy', retryable: false },
      );
    }

    const before = await this.latest(ctx, 'deploy');
    if (before?.serial === bundle.serial) {
      ctx.log.info({ certificate: this.certificate, target: this.id, version: before.version, serial: bundle.serial }, 'Key Vault already holds this certificate as its latest version; nothing to import');
      return;
    }

    // Import: a new version, tagged with what certloop knows about it.
    const { buildPfx } = await import('./pfx.js'); // node-forge: loaded only when a PFX is built
    const pfx = buildPfx({ fullchainPem: bundle.fullchainPem, keyPem: bundle.keyPem, password: this.config.password ?? '', friendlyName: name });
    const tags = {
      [TAGS.serial]: bundle.serial,
      [TAGS.domains]: tagValue(bundle.domains.join(',')),
      [TAGS.issuedAt]: bundle.issuedAt.toISOString(),
    };
    const imported = await this.call('import', ctx, 'deploy', (c, abortSignal) =>
      // No `policy`: SDK 4.10 drops it on the wire anyway, and without it Key Vault reads a PFX.
      c.certificates.importCertificate(name, pfx, { password: this.config.password ?? '', tags, abortSignal }),
    );
    ctx.log.info({ certificate: this.certificate, target: this.id, version: imported.properties.version, serial: bundle.serial }, 'imported a new Key Vault certificate version');

    // Confirm: the latest version is the one just imported (a concurrent writer would show here).
    const after = await this.latest(ctx, 'deploy');
    if (after?.serial !== bundle.serial) {
      throw new CertloopError(
        'DEPLOY_FAILED',
        `after importing ${bundle.serial}, the latest version of ${this.describe()} holds ${after ? `${after.serial} (version ${after.version})` : 'nothing'}: is another process writing to it?`,
        { certificate: this.certificate, step: 'deploy' },
      );
    }
    ctx.log.info({ certificate: this.certificate, target: this.id, version: after.version, serial: after.serial }, 'Key Vault latest version confirmed');
  }

  async currentSerial(ctx: DeployContext): Promise<string | undefined> {
    return (await this.latest(ctx, 'observe'))?.serial;
  }

  async observe(ctx: DeployContext): Promise<ObservedCertificate | undefined> {
    const latest = await this.latest(ctx, 'observe');
    return latest && { serial: latest.serial, version: latest.version, notAfter: latest.notAfter };
  }

  async adopt(domains: string[], ctx: DeployContext): Promise<AdoptedCertificate | undefined> {
    if (!this.config.adopt) return undefined;
    const latest = await this.latest(ctx, 'observe');
    if (!latest) return undefined;
    const log = ctx.log.child({ certificate: this.certificate, target: this.id, version: latest.version, serial: latest.serial });

    // Cheap checks on the public certificate first: no need to fetch a key we would not use.
    const facts = describeCertificate(latest.cert);
    const missing = uncoveredDomains(domains, facts.dnsNames);
    const now = this.now();
    const unusable = !latest.enabled
      ? 'its latest version is disabled'
      : missing.length > 0
        ? `it does not cover ${missing.join(', ')}`
        : facts.notAfter <= now || facts.notBefore > now
          ? `it is not valid now (until ${facts.notAfter.toISOString()})`
          : undefined;
    if (unusable) {
      log.info(`not adopting the certificate already in Key Vault: ${unusable}`);
      return undefined;
    }

    // The private key lives in the secret of the same name (PFX or PEM, as it was imported).
    let secret: { value?: string; properties: { contentType?: string } };
    try {
      secret = await this.call('get-secret', ctx, 'observe', async (c, abortSignal) =>
        (await c.secrets()).getSecret(this.config.certificateName, { version: latest.version, abortSignal }),
      );
    } catch (err) {
      if (err instanceof CertloopError && /\(403 /.test(err.message)) {
        log.warn(`not adopting the certificate already in Key Vault: ${err.message}`);
        return undefined;
      }
      throw err;
    }
    const found = readSecret(secret.value ?? '', secret.properties.contentType, this.config.password, await import('./pfx.js'));
    if (!found || normalizeSerial(new X509Certificate(splitPem(found.fullchainPem)[0]).serialNumber) !== latest.serial) {
      log.warn('not adopting the certificate already in Key Vault: its secret holds no readable key for it');
      return undefined;
    }

    // Mark the version as managed by certloop from now on.
    await this.call('update', ctx, 'observe', (c, abortSignal) =>
      c.certificates.updateCertificateProperties(this.config.certificateName, latest.version, {
        tags: { ...latest.tags, [TAGS.serial]: latest.serial, [TAGS.domains]: tagValue(domains.join(',')), [TAGS.adoptedAt]: now.toISOString() },
        abortSignal,
      }),
    );
    log.info('adopting the certificate already in Key Vault');
    return found;
  }

  /** The latest version of the certificate, or undefined when there is none yet. */
  private async latest(ctx: DeployContext, step: Step): Promise<LatestVersion | undefined> {
    let kv: KeyVaultCertificate;
    try {
      kv = await this.call('get', ctx, step, (c, abortSignal) => c.certificates.getCertificate(this.config.certificateName, { abortSignal }));
    } catch (err) {
      if (err instanceof CertloopError && isNotFound(err.cause)) return undefined;
      throw err;
    }
    if (!kv.cer || !kv.properties.version) return undefined;
    const cert = new X509Certificate(Buffer.from(kv.cer));
    return {
      serial: normalizeSerial(cert.serialNumber),
      version: kv.properties.version,
      notAfter: new Date(cert.validTo),
      enabled: kv.properties.enabled !== false,
      cert,
      tags: kv.properties.tags ?? {},
    };
  }

  /** One SDK call with the target's time limit, its errors classified. */
  private async call<T>(op: Operation, ctx: DeployContext, step: Step, fn: (c: KeyVaultClients, abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const signals = [AbortSignal.timeout(this.config.timeout), ...(ctx.signal ? [ctx.signal] : [])];
    const signal = AbortSignal.any(signals);
    try {
      this.clients ??= openClients(this.config, this.certificate, ctx.log);
      // Raced as well: the SDK's sign-in does not honour the signal everywhere (issue 16).
      return await abortable((async () => fn(await this.clients!, signal))(), signal);
    } catch (err) {
      throw classifyKeyVaultError(err, op, this.config, this.certificate, step);
    }
  }
}

/** A missing certificate object is a fact (nothing deployed yet), not a failure. */
function isNotFound(err: unknown): boolean {
  const e = err as { statusCode?: number; details?: { error?: { code?: string } } } | undefined;
  return e?.statusCode === 404 && (e.details?.error?.code === 'CertificateNotFound' || e.details?.error?.code === 'NotFound');
}

function readSecret(
  value: string,
  contentType: string | undefined,
  password: string | undefined,
  { parsePfx }: typeof import('./pfx.js'),
): AdoptedCertificate | undefined {
  if (contentType === 'application/x-pem-file') {
    const key = value.match(/-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----[\s\S]+?-----END (?:[A-Z ]+ )?PRIVATE KEY-----/)?.[0];
    const certs = splitPem(value);
    return key && certs.length > 0 ? { fullchainPem: certs.join(''), keyPem: `${key}\n` } : undefined;
  }
  try {
    return parsePfx(Buffer.from(value, 'base64'), [null, '', ...(password ? [password] : [])]);
  } catch {
    return undefined;
  }
}

function tagValue(s: string): string {
  return s.length <= 256 ? s : `${s.slice(0, 255)}…`;
}

/**
 * The drill deploys to a sibling certificate object, `<certificateName>-drill`, in the same vault
 * with the same credential: the real import, PFX and read-back, so a missing permission or a
 * vault that refuses the certificate fails the drill, while no consumer of the real object sees a
 * new version. The drill object is kept: deleting it would leave a soft-deleted object that only
 * a purge permission (rarely granted) could clear, and each drill adds a version to it instead.
 */
class KeyVaultDrillCopy extends KeyVaultTarget implements DrillCopy {
  async removeDrillCopy(): Promise<void> {
    // Kept on purpose (see above).
  }
}

export const create: TargetFactory<KeyVaultTargetConfig> = (config, certificate) => new KeyVaultTarget(config, certificate);

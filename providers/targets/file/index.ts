/**
 * File target: writes the full chain, the key (0600) and the chain as one set that changes together
 * or not at all, keeps the previous set as *.prev, then runs the reload command. A failed reload is a failed deploy: the
 * files are new but nothing serves them yet.
 */
import { X509Certificate } from 'node:crypto';
import { CertloopError } from '../../../src/errors.js';
import { normalizeSerial } from '../../../src/pki/certificate.js';
import fs from 'node:fs/promises';
import type { CertificateBundle, DeployContext, DrillableTarget, DrillCopy, ObservableTarget, Target, TargetFactory } from '../../../src/plugins.js';
import { readIfExists } from '../../../src/util/atomic-file.js';
import { replaceFilesTogether } from '../../../src/util/replace-together.js';
import { describeCommandFailure, runCommand } from '../../../src/util/run-command.js';
import type { FileTargetConfig } from './schema.js';

export class FileTarget implements Target, ObservableTarget, DrillableTarget {
  readonly id: string;

  constructor(
    private readonly config: FileTargetConfig,
    private readonly certificate: string,
  ) {
    this.id = `file:${config.cert}`;
  }

  describe(): string {
    return `files ${this.config.cert} and ${this.config.key}`;
  }

  async deploy(bundle: CertificateBundle, ctx: DeployContext): Promise<void> {
    const { cert, key, chain } = this.config;
    try {
      const current = await this.currentSerial();
      // The files change together or not at all (util/replace-together.ts). What was there is kept
      // as *.prev, unless it already is this certificate (a redeploy after a crash).
      await replaceFilesTogether(
        [
          { file: cert, data: bundle.fullchainPem, mode: 0o644 },
          { file: key, data: bundle.keyPem, mode: 0o600 },
          ...(chain ? [{ file: chain, data: bundle.chainPem, mode: 0o644 }] : []),
        ],
        {
          keepPrevious: current !== undefined && current !== bundle.serial,
          warn: (message) => ctx.log.warn({ certificate: this.certificate, cert }, message),
        },
      );
    } catch (err) {
      if (err instanceof CertloopError) throw err;
      throw new CertloopError('DEPLOY_FAILED', `cannot write ${this.describe()}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; the files on disk are unchanged`, {
        certificate: this.certificate,
        step: 'deploy',
        cause: err,
      });
    }
    ctx.log.info({ certificate: this.certificate, cert, key }, 'wrote certificate files');
    if (this.config.reload) await this.reload(this.config.reload, ctx);
  }

  private async reload(argv: string[], ctx: DeployContext): Promise<void> {
    const timeout = this.config.reloadTimeout;
    let result;
    try {
      result = await runCommand(argv, { cwd: ctx.baseDir, timeoutMs: timeout });
    } catch (err) {
      throw new CertloopError('RELOAD_FAILED', `cannot run \`${argv.join(' ')}\`: ${(err as NodeJS.ErrnoException).code ?? err}`, {
        certificate: this.certificate,
        step: 'reload',
        cause: err,
      });
    }
    if (result.code !== 0) {
      throw new CertloopError('RELOAD_FAILED', `reload failed: ${describeCommandFailure(argv, result, timeout)}`, {
        certificate: this.certificate,
        step: 'reload',
      });
    }
    ctx.log.info({ certificate: this.certificate, command: argv.join(' ') }, 'reload command succeeded');
  }

  drillCopy(): Target & DrillCopy {
    const { cert, key, chain } = this.config;
    const copy = { ...this.config, cert: `${cert}.drill`, key: `${key}.drill`, chain: chain ? `${chain}.drill` : undefined, reload: undefined };
    return new FileDrillCopy([copy.cert, copy.key, ...(copy.chain ? [copy.chain] : [])], copy, this.certificate);
  }

  async currentSerial(): Promise<string | undefined> {
    const pem = await readIfExists(this.config.cert);
    if (!pem) return undefined;
    try {
      return normalizeSerial(new X509Certificate(pem).serialNumber);
    } catch {
      return undefined;
    }
  }
}

/**
 * The drill copy writes `<file>.drill` beside each real file (same folder, so same permissions and
 * file system) and runs no reload: a reload would make the server re-read the production files.
 */
class FileDrillCopy extends FileTarget implements DrillCopy {
  constructor(private readonly files: string[], config: FileTargetConfig, certificate: string) {
    super(config, certificate);
  }

  override describe(): string {
    return `drill copies ${this.files.join(', ')} (reload not run)`;
  }

  async removeDrillCopy(): Promise<void> {
    await Promise.all(this.files.flatMap((f) => [fs.rm(f, { force: true }), fs.rm(`${f}.prev`, { force: true })]));
  }
}

export const create: TargetFactory<FileTargetConfig> = (config, certificate) => new FileTarget(config, certificate);

/**
 * `certloop revoke NAME`: have the CA revoke a certificate certloop holds (RFC 8555 §7.6), under
 * the certificate's lease, and record it. The replacement is not ordered here: the record now says
 * the current certificate is revoked, and the ordinary loop (policy/checks/revoked.ts)
 * orders one with a new key, deploys and verifies it, either at once (the CLI runs it) or on the
 * next run (`--no-renew`).
 *
 * Order of facts: the CA revokes, then the record says so. A crash in between leaves a revoked
 * certificate the record does not know about; running the command again finds the CA answering
 * alreadyRevoked, which counts as done.
 */
import { randomBytes } from 'node:crypto';
import { caEndpoints } from '../acme/ca-selection.js';
import { configureAcmeTimeouts } from '../acme/timeouts.js';
import { trustAcmeServer } from '../acme/trust.js';
import type { LoadedConfig } from '../config/load.js';
import type { CertificateConfig } from '../config/schema.js';
import { CertloopError, describeError } from '../errors.js';
import { emit, type EventBus } from '../observability/events.js';
import type { Logger } from '../observability/logger.js';
import { normalizeSerial, splitPem } from '../pki/certificate.js';
import { setCondition, type CertificateRecord, type IssuedCertificate, type Revocation, type RevocationReason } from '../state/record.js';
import type { StateStore } from '../state/store.js';
import { acquireLease, holding, leaseOwner, released } from './lease.js';

/** How many revocations a record keeps (status shows them; the CA keeps the authoritative list). */
const KEPT = 10;
const LOCK_TTL_MS = 10 * 60_000;

export interface RevokeOptions {
  config: LoadedConfig;
  cert: CertificateConfig;
  store: StateStore;
  log: Logger;
  reason: RevocationReason;
  /** Default: the deployed certificate, else the issued one. */
  serial?: string;
  /** False with --no-renew: said in the event and the conditions. */
  renewNow: boolean;
  events?: EventBus;
  now?: () => Date;
  signal?: AbortSignal;
}

export interface RevokeOutcome extends Revocation {
  name: string;
  /** The CA said it was revoked already (an earlier revoke that was not recorded). */
  alreadyRevoked: boolean;
  /** The revoked certificate was the one issued or deployed: it needs replacing. */
  inUse: boolean;
  /**
   * The replacement must be forced: the issued certificate itself was revoked and an earlier
   * failure's retry time would hold its order back (policy/checks/retry-wait.ts). Otherwise the
   * run finds `revoked` (a new order) or `not-deployed` (the newer certificate) on its own.
   */
  forceReplacement: boolean;
}

export async function revokeCertificate(o: RevokeOptions): Promise<RevokeOutcome> {
  const name = o.cert.name;
  const now = o.now ?? (() => new Date());
  const lease = await acquireLease(o.store, name, leaseOwner(randomBytes(4).toString('hex')), LOCK_TTL_MS, o.log);
  if (!lease) throw new CertloopError('LOCK_BUSY', `another certloop process holds the lock for ${name}; try again in a moment`, { certificate: name, step: 'lock' });
  holding(lease);
  try {
    const record = await o.store.get(name);
    const target = chooseCertificate(name, record, o.serial);
    const signedWith = o.reason === 'keyCompromise' ? 'certificate-key' : 'account-key';
    const ca = caEndpoints(o.config.acme).find((e) => e.directory === target.directory);
    if (!ca && signedWith === 'account-key') {
      throw new CertloopError(
        'ACME_REVOKE',
        `certificate ${target.serial} came from ${target.directory}, which is no longer in acme.directory or acme.fallback, so its account is not known; ` +
          'add that CA back, or revoke with --reason keyCompromise (signed with the certificate key, no account needed)',
        { certificate: name, step: 'revoke', retryable: false },
      );
    }
    trustAcmeServer(ca?.caBundle ?? o.config.acme.caBundle);
    configureAcmeTimeouts(o.config.acme);
    o.log.warn({ certificate: name, serial: target.serial, reason: o.reason, signedWith, directory: target.directory }, 'revoking');
    // acme-client is loaded only by commands that talk to the CA (trust.ts).
    const [{ revokeAtCa }, { accountClient }] = await Promise.all([import('../acme/revoke.js'), import('../acme/client.js')]);
    const { alreadyRevoked } = await revokeAtCa({
      certificate: name,
      directory: target.directory,
      certPem: splitPem(target.fullchainPem)[0] ?? target.fullchainPem,
      keyPem: target.keyPem,
      reason: o.reason,
      signedWith,
      account: () => accountClient({ directory: ca!.directory, email: ca!.email, eab: ca!.eab, store: o.store }),
      signal: o.signal,
    });

    const revocation: Revocation = { serial: target.serial, reason: o.reason, at: now().toISOString(), signedWith, directory: target.directory };
    const rec = record!;
    rec.revocations = [...(rec.revocations ?? []).filter((r) => r.serial !== target.serial), revocation].slice(-KEPT);
    const inUse = target.serial === rec.issued?.serial || target.serial === rec.deployedSerial;
    if (inUse) {
      const next = o.renewNow ? 'a replacement with a new key is being ordered' : 'the next run orders a replacement with a new key';
      setCondition(rec, 'Ready', 'False', 'Revoked', `certificate ${target.serial} was revoked (${o.reason}); ${next}`, now());
      if (target.serial === rec.issued?.serial) setCondition(rec, 'Issued', 'False', 'Revoked', `certificate ${target.serial} was revoked (${o.reason}) at ${revocation.at}`, now());
    }
    await o.store.put(rec);
    await emit(
      { config: o.cert, store: o.store, log: o.log, now, events: o.events },
      {
        type: 'revoked',
        message: `certificate ${target.serial} revoked (${o.reason})${alreadyRevoked ? ', the CA had revoked it already' : ''}`,
        data: { serial: target.serial, reason: o.reason, signedWith, directory: target.directory, replacement: inUse && o.renewNow },
      },
    );
    return { name, ...revocation, alreadyRevoked, inUse, forceReplacement: target.serial === rec.issued?.serial && rec.lastFailure !== undefined };
  } finally {
    released(lease);
    await lease.release().catch((err: unknown) => o.log.warn({ certificate: name, err: describeError(err) }, 'cannot release the lock'));
  }
}

/** The certificate to revoke: the one named by --serial among those kept, else the one in use. */
function chooseCertificate(name: string, record: CertificateRecord | undefined, serial: string | undefined): IssuedCertificate {
  const kept = [record?.issued, record?.previous].filter((c): c is IssuedCertificate => c !== undefined);
  if (kept.length === 0) throw new CertloopError('USAGE', `nothing has been issued for ${name} yet: there is nothing to revoke`, { certificate: name, step: 'revoke', retryable: false });
  if (serial === undefined) {
    return kept.find((c) => c.serial === record?.deployedSerial) ?? kept[0];
  }
  const wanted = normalizeSerial(serial);
  const found = kept.find((c) => c.serial === wanted);
  if (!found) {
    throw new CertloopError(
      'USAGE',
      `--serial ${serial}: certloop keeps no certificate with that serial for ${name} (it keeps ${kept.map((c) => `${c.serial === record?.issued?.serial ? 'issued' : 'previous'} ${c.serial}`).join(', ')}); a certificate certloop does not hold cannot be revoked from here`,
      { certificate: name, step: 'revoke', retryable: false },
    );
  }
  return found;
}

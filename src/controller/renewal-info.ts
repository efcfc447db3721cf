/**
 * The observe step's ARI part: before deciding, ask the CA for its renewal window for the issued
 * certificate (when the policy wants ARI, the CA offers it, and the last answer's Retry-After has
 * passed), and store the answer in the record. decide() then reads it like any other fact. The
 * run's RenewalInfoClient (acme/renewal-info.ts) does the asking; without one nothing is asked.
 * Nothing here can fail the run: an unreachable or broken renewalInfo is logged and the lifetime
 * rule stays in charge.
 */
import { splitPem } from '../pki/certificate.js';
import { adoptWindow, certIdOf, noteFailure } from '../policy/ari.js';
import { describeError } from '../errors.js';
import type { CertificateRecord } from '../state/record.js';
import type { CertificateContext } from './types.js';

export async function observeRenewalInfo(ctx: CertificateContext, record: CertificateRecord): Promise<void> {
  const { log, now, config, renewalInfo } = ctx;
  const issued = record.issued;
  // Only the CA that issued a certificate knows its window; a drill never asks.
  if (!ctx.policy.ari || !issued || issued.directory !== ctx.directory || ctx.drill || !renewalInfo) return;
  const prev = record.ari?.serial === issued.serial ? record.ari : undefined;
  if (prev && Date.parse(prev.nextFetchAt) > now().getTime()) return;

  try {
    // A CA without renewalInfo (Pebble, many private CAs): nothing to ask, so no certID to work
    // out (parsing the certificate was a tenth of an idle run).
    // An unreadable directory may offer it: fetch() reports that.
    if ((await renewalInfo.offered(ctx.directory)) === false) return;
    const certId = prev?.certId ?? certIdOf(splitPem(issued.fullchainPem)[0] ?? issued.fullchainPem);
    if (!certId) {
      log.debug({ certificate: config.name }, 'the certificate has no authority key identifier; ARI cannot name it');
      return;
    }
    const result = await renewalInfo.fetch(ctx.directory, certId);
    if (result.kind === 'unsupported') return;
    if (result.kind === 'ok') {
      record.ari = adoptWindow(prev, issued.serial, certId, result.info, now(), renewalInfo.random);
      const moved = !prev || prev.selectedAt !== record.ari.selectedAt;
      log.info(
        { certificate: config.name, windowStart: result.info.windowStart, windowEnd: result.info.windowEnd, renewAt: record.ari.selectedAt, explanationURL: result.info.explanationURL },
        moved ? 'the CA suggested a renewal window (ARI); renewal time picked inside it' : 'renewal window (ARI) unchanged',
      );
      if (result.info.explanationURL && moved) {
        log.warn({ certificate: config.name, explanationURL: result.info.explanationURL }, 'the CA explains its renewal window');
      }
    } else {
      record.ari = noteFailure(prev, issued.serial, certId, result.message, now(), result.retryAfterSeconds);
      log.warn(
        { certificate: config.name, err: result.message, nextFetchAt: record.ari.nextFetchAt },
        prev?.windowStart ? 'renewal information (ARI) unavailable; keeping the last window' : 'renewal information (ARI) unavailable; the lifetime rule decides',
      );
    }
    await ctx.store.put(record);
  } catch (err) {
    log.warn({ certificate: config.name, err: describeError(err) }, 'checking renewal information (ARI) failed; the lifetime rule decides');
  }
}

/** The certID to send as `replaces` on a new order: only for a certificate this CA has ARI for. */
export function replacesFor(ctx: CertificateContext, record: CertificateRecord): string | undefined {
  if (ctx.drill || !record.issued || record.issued.directory !== ctx.directory) return undefined;
  return record.ari?.serial === record.issued.serial ? record.ari.certId : undefined;
}

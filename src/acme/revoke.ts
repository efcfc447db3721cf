/**
 * Revocation, RFC 8555 §7.6: the CA is sent the certificate (DER) and a reason code, signed either
 * by the account that ordered it (kid) or by the certificate's own private key (jwk). The second
 * needs no account and proves control of the key itself: certloop uses it for keyCompromise, so
 * the CA learns the key (not just the account) is compromised, as Let's Encrypt asks and as it
 * needs to block that key for later orders.
 */
import { X509Certificate } from 'node:crypto';
import type acme from 'acme-client';
import type { RevocationReason } from '../state/record.js';
import { rawApi } from './account-keys.js';
import { classifyAcmeError, configuredClient } from './client.js';
import { withAcmeDeadline } from './deadline.js';
import { withResponseCapture } from './response-capture.js';
import { acmeTimeouts } from './timeouts.js';

/** RFC 5280 §5.3.1 CRLReason codes of the reasons a subscriber may give. */
export const REVOCATION_REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
};

export const REVOCATION_REASONS = Object.keys(REVOCATION_REASON_CODES) as RevocationReason[];

export interface RevokeRequest {
  certificate: string;
  directory: string;
  /** The leaf (the first PEM block is used). */
  certPem: string;
  reason: RevocationReason;
  /** Sign with the certificate's key (`keyPem`) instead of the account's (`account`). */
  signedWith: 'account-key' | 'certificate-key';
  keyPem: string;
  account: () => Promise<acme.Client>;
  signal?: AbortSignal;
}

/** Asks the CA to revoke; `alreadyRevoked` when it says it was (a revoke that crashed before recording it, run again). */
export function revokeAtCa(req: RevokeRequest): Promise<{ alreadyRevoked: boolean }> {
  const what = `revoking ${req.certificate} at ${req.directory}`;
  return withAcmeDeadline(what, acmeTimeouts().orderMs, req.signal, () =>
    withResponseCapture(async () => {
      const payload: Record<string, unknown> = { certificate: new X509Certificate(req.certPem).raw.toString('base64url') };
      // RFC 5280 §5.3.1: the unspecified reason is expressed by leaving the code out.
      if (req.reason !== 'unspecified') payload.reason = REVOCATION_REASON_CODES[req.reason];
      try {
        const byKey = req.signedWith === 'certificate-key';
        const client = byKey ? configuredClient(req.directory, req.keyPem) : await req.account();
        const resp = await rawApi(client).apiResourceRequest('revokeCert', payload, [], { includeJwsKid: !byKey });
        if (resp.status === 200) return { alreadyRevoked: false };
        if (resp.data?.type?.endsWith(':alreadyRevoked')) return { alreadyRevoked: true };
        throw Object.assign(new Error(`HTTP ${resp.status}${resp.data?.type ? ` ${resp.data.type.replace('urn:ietf:params:acme:error:', '')}` : ''}: ${resp.data?.detail ?? 'no detail'}`), { response: resp });
      } catch (err) {
        throw classifyAcmeError(err, 'ACME_REVOKE', `the CA did not revoke ${req.certificate}`, req.certificate, 'revoke');
      }
    }),
  );
}

/**
 * The dns-01 record (RFC 8555 §8.4): a TXT record at `_acme-challenge.<identifier>` holding the
 * base64url SHA-256 digest of the key authorization. A wildcard `*.example.com` is validated at
 * `_acme-challenge.example.com`, the same name as its apex, hence two values on one name.
 */
import { createHash } from 'node:crypto';

export function challengeRecordName(identifier: string): string {
  return `_acme-challenge.${identifier.replace(/^\*\./, '').replace(/\.$/, '').toLowerCase()}`;
}

export function challengeRecordValue(keyAuthorization: string): string {
  return createHash('sha256').update(keyAuthorization).digest('base64url');
}

/** `name` relative to `zone` ("@" for the apex), or undefined when the name is outside the zone. */
export function relativeName(name: string, zone: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  const z = zone.toLowerCase().replace(/\.$/, '');
  if (n === z) return '@';
  return n.endsWith(`.${z}`) ? n.slice(0, -(z.length + 1)) : undefined;
}

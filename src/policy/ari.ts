/**
 * ACME Renewal Information (RFC 9773): ask the CA when it would like a certificate renewed.
 * The CA answers with a suggested window; certloop picks a uniformly random moment inside it once
 * and keeps it until the CA moves the window (so every run agrees, and a fleet spreads its load).
 * This file holds the pure pieces: the certID, reading an answer, picking the moment, backing off.
 * The HTTP calls live with the ACME client (acme/renewal-info.ts); the checks only ever see the
 * stored result. The clock and the randomness are always arguments.
 */
import { X509Certificate } from 'node:crypto';
import type forgeModule from 'node-forge';
import { lazyRequire } from '../util/lazy-require.js';
import type { AriRecord } from '../state/record.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Without a Retry-After, ask again after this (Let's Encrypt suggests polling about twice a day). */
export const DEFAULT_ARI_RECHECK_MS = 6 * HOUR;

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/**
 * RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial), the serial as the DER
 * INTEGER's content octets (a leading 00 when the high bit is set).
 */
export function certIdFrom(authorityKeyIdHex: string, serialHex: string): string {
  let serial = serialHex.replace(/[^0-9a-fA-F]/g, '');
  if (serial.length % 2) serial = `0${serial}`;
  let bytes = Buffer.from(serial, 'hex');
  while (bytes.length > 1 && bytes[0] === 0 && bytes[1] < 0x80) bytes = bytes.subarray(1);
  if (bytes[0] >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return `${base64url(Buffer.from(authorityKeyIdHex.replace(/[^0-9a-fA-F]/g, ''), 'hex'))}.${base64url(bytes)}`;
}

const AKI_OID = '2.5.29.35';
const loadForge = lazyRequire<typeof forgeModule>('node-forge');

/** The authorityKeyIdentifier keyIdentifier of a certificate (Node's X509Certificate has no accessor). */
export function authorityKeyId(cert: X509Certificate): string | undefined {
  const forge = loadForge();
  const { asn1 } = forge;
  const root = asn1.fromDer(forge.util.createBuffer(cert.raw.toString('binary')));
  const tbs = (root.value as forgeModule.asn1.Asn1[])[0];
  const extsWrapper = (tbs.value as forgeModule.asn1.Asn1[]).find((v) => v.tagClass === asn1.Class.CONTEXT_SPECIFIC && v.type === 3);
  if (!extsWrapper) return undefined;
  const exts = ((extsWrapper.value as forgeModule.asn1.Asn1[])[0].value as forgeModule.asn1.Asn1[]) ?? [];
  for (const ext of exts) {
    const parts = ext.value as forgeModule.asn1.Asn1[];
    if (asn1.derToOid(parts[0].value as string) !== AKI_OID) continue;
    const inner = asn1.fromDer(parts[parts.length - 1].value as string);
    const keyId = (inner.value as forgeModule.asn1.Asn1[]).find((v) => v.tagClass === asn1.Class.CONTEXT_SPECIFIC && v.type === 0);
    return keyId ? forge.util.bytesToHex(keyId.value as string) : undefined;
  }
  return undefined;
}

/** The certID of the leaf in a PEM (first certificate); undefined when it has no AKI. */
export function certIdOf(pem: string | Buffer): string | undefined {
  const leaf = new X509Certificate(pem);
  const aki = authorityKeyId(leaf);
  return aki ? certIdFrom(aki, leaf.serialNumber) : undefined;
}

export interface RenewalInfo {
  windowStart: string;
  windowEnd: string;
  explanationURL?: string;
  /** Seconds, as the CA sent it (not yet clamped). */
  retryAfterSeconds?: number;
}

export type RenewalInfoResult =
  | { kind: 'unsupported' }
  | { kind: 'ok'; info: RenewalInfo }
  | { kind: 'error'; message: string; retryAfterSeconds?: number };

/** Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim();
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, Math.round((t - now) / 1000)) : undefined;
}

/**
 * A renewalInfo answer (RFC 9773 §4.2) as certloop uses it: the suggested window, or why there is
 * none, with the CA's Retry-After read against `now` (ms).
 */
export function readRenewalInfo(status: number, json: unknown, retryAfter: unknown, now: number): RenewalInfoResult {
  const retryAfterSeconds = parseRetryAfter(retryAfter, now);
  if (status !== 200) return { kind: 'error', message: `renewalInfo answered HTTP ${status}`, retryAfterSeconds };
  const w = (json as { suggestedWindow?: { start?: unknown; end?: unknown } } | undefined)?.suggestedWindow;
  const start = typeof w?.start === 'string' ? Date.parse(w.start) : NaN;
  const end = typeof w?.end === 'string' ? Date.parse(w.end) : NaN;
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) {
    return { kind: 'error', message: 'renewalInfo returned no valid suggestedWindow', retryAfterSeconds };
  }
  const explanationURL = (json as { explanationURL?: unknown }).explanationURL;
  return {
    kind: 'ok',
    info: {
      windowStart: new Date(start).toISOString(),
      windowEnd: new Date(end).toISOString(),
      explanationURL: typeof explanationURL === 'string' ? explanationURL : undefined,
      retryAfterSeconds,
    },
  };
}

/**
 * When to ask again: the CA's Retry-After, kept within one minute and one day so a bad header can
 * neither hammer the CA nor silence ARI for weeks (RFC 9773 §4.3 asks clients to clamp it).
 */
export function nextFetchTime(now: Date, retryAfterSeconds: number | undefined, fallbackMs = DEFAULT_ARI_RECHECK_MS): Date {
  const wait = retryAfterSeconds === undefined ? fallbackMs : Math.min(Math.max(retryAfterSeconds * 1000, MINUTE), DAY);
  return new Date(now.getTime() + wait);
}

/**
 * The stored ARI state after a successful fetch: the moment inside the window is kept from the
 * previous record when the window did not change, else picked uniformly at random (RFC 9773 §4.2).
 */
export function adoptWindow(
  previous: AriRecord | undefined,
  serial: string,
  certId: string,
  info: RenewalInfo,
  now: Date,
  random: () => number,
): AriRecord {
  const same = previous?.serial === serial && previous.windowStart === info.windowStart && previous.windowEnd === info.windowEnd && previous.selectedAt;
  const start = Date.parse(info.windowStart);
  const end = Date.parse(info.windowEnd);
  const selectedAt = same ? previous.selectedAt! : new Date(start + Math.floor(random() * (end - start))).toISOString();
  return {
    serial,
    certId,
    windowStart: info.windowStart,
    windowEnd: info.windowEnd,
    selectedAt,
    explanationURL: info.explanationURL,
    fetchedAt: now.toISOString(),
    nextFetchAt: nextFetchTime(now, info.retryAfterSeconds).toISOString(),
  };
}

/** After a failed fetch: keep the last window for this serial (if any), note the error, back off. */
export function noteFailure(previous: AriRecord | undefined, serial: string, certId: string, message: string, now: Date, retryAfterSeconds?: number): AriRecord {
  const keep = previous?.serial === serial ? previous : undefined;
  return {
    ...(keep ?? {}),
    serial,
    certId,
    fetchedAt: keep?.fetchedAt ?? now.toISOString(),
    nextFetchAt: nextFetchTime(now, retryAfterSeconds, HOUR).toISOString(),
    error: message,
  };
}

/**
 * Client profiles: the ClientHellos verification sends, so that every certificate a server holds is
 * seen, not only the one a single hello happens to pick (issue 15). A server configured with an
 * ECDSA and an RSA certificate (nginx: two ssl_certificate lines) chooses by the client's
 * signature algorithms (TLS 1.3) or cipher suites (TLS 1.2): a modern hello gets one of them, and
 * every client that can only do RSA (older Java, embedded and payment devices) gets the other. A
 * stale RSA certificate behind a fresh ECDSA one is an outage for those clients that one probe
 * never sees.
 *
 * - `default`: Node's own hello, TLS 1.2–1.3, every signature algorithm and cipher Node offers, as a
 *   current browser or HTTP library does. Against nginx with both certificates it gets the ECDSA one
 *   in TLS 1.3 and, in TLS 1.2, the RSA one (Node lists ECDHE-RSA suites first); measured here.
 * - `rsa`: RSA signature algorithms (PSS and PKCS#1) and RSA-authenticated TLS 1.2 suites only
 *   (ECDHE-RSA, plus plain RSA key exchange as the oldest clients use), TLS 1.2–1.3: what an
 *   RSA-only client offers; a TLS 1.2-only server answers it in TLS 1.2.
 * - `ecdsa`: ECDSA signature algorithms and ECDHE-ECDSA suites only, TLS 1.2–1.3.
 *
 * An address gets `samples` connections with `default` (what reaches the nodes behind it, see
 * verify.ts sampleAddress), then one with `rsa` and one with `ecdsa`. A server holding one key type
 * refuses the other profile's hello: "not offered", not a failure (address.ts).
 */
import tls from 'node:tls';

export const PROFILE_NAMES = ['default', 'rsa', 'ecdsa'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface ClientProfile {
  name: ProfileName;
  /** Context options that make this hello (empty for Node's default). */
  options: tls.SecureContextOptions;
}

const TLS13_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

export const CLIENT_PROFILES: readonly ClientProfile[] = [
  { name: 'default', options: {} },
  {
    name: 'rsa',
    options: {
      sigalgs: 'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pss_pss_sha256:rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512',
      ciphers: `${TLS13_SUITES}:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA`,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    },
  },
  {
    name: 'ecdsa',
    options: {
      sigalgs: 'ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512',
      ciphers: `${TLS13_SUITES}:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA`,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    },
  },
];

/**
 * TLS alerts and errors by which a server says "I have nothing for that hello": no certificate for
 * these signature algorithms, no shared cipher, no shared version (RFC 8446 §6.2 handshake_failure,
 * insufficient_security, protocol_version). Anything else (a reset, a timeout, a wrong key) is a
 * real failure whatever the profile.
 */
const REFUSALS = new Set([
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV1_ALERT_INSUFFICIENT_SECURITY',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_NO_SHARED_CIPHER',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM',
]);

export function refusesHello(code: string | undefined): boolean {
  return code !== undefined && REFUSALS.has(code);
}

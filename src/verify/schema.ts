/**
 * What verification's settings name, for the config schema (config/schema.ts builds the endpoint
 * settings from it): declarations only, so loading the config never loads the probe.
 */

/** The protocols verify/starttls.ts upgrades to TLS; an endpoint's `starttls` names one. */
export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3', 'ftp', 'postgres'] as const;
export type StartTlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

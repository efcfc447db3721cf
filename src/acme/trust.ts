/**
 * The extra trust for the ACME server (acme.caBundle: Pebble's own CA, a private CA), kept apart
 * from acme-client so that commands and runs which never talk to the CA do not load it (about a
 * sixth of a quiet run's start-up). acme-client's axios and the plain GETs (http-get.ts) both
 * take their HTTPS agent from here.
 */
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { CertloopError } from '../errors.js';

const trusted = new Map<string, string>();
let agent: https.Agent | undefined;

/** Adds a CA bundle file to the ACME server's trust; a file that cannot be read fails at once. */
export function trustAcmeServer(caBundleFile: string | undefined): void {
  if (!caBundleFile || trusted.has(caBundleFile)) return;
  try {
    trusted.set(caBundleFile, fs.readFileSync(caBundleFile, 'utf8'));
  } catch (err) {
    throw new CertloopError('ACME_UNREACHABLE', `cannot read acme.caBundle ${caBundleFile}: ${(err as NodeJS.ErrnoException).code}`, {
      step: 'issue',
      retryable: false,
    });
  }
  agent = undefined;
}

/**
 * The HTTPS agent for the ACME server, or undefined for Node's default trust. One secure context
 * for every connection: given `ca` instead, Node builds a new context per TLS connection, parsing
 * the ~140 system roots each time, and keys its socket pool by the whole CA text. That cost 85% of
 * the CPU of an issuance against Pebble (bench/RESULTS.md).
 */
export function acmeHttpsAgent(): https.Agent | undefined {
  if (trusted.size === 0) return undefined;
  agent ??= new https.Agent({ keepAlive: true, secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, ...trusted.values()] }) });
  return agent;
}

/**
 * The extra trust for the ACME server (acme.caBundle: Pebble's own CA, a private CA), kept apart
 * from acme-client so that commands and runs which never talk to the CA do not load it (about a
 * sixth of a quiet run's start-up). acme-client's axios and the plain GETs (http-get.ts) both
 * take their agents from here, and with them the connect deadline (acme.connectTimeout).
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { CertloopError } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import { acmeTimeouts, onAcmeTimeoutsChange, timeoutError } from './timeouts.js';

const trusted = new Map<string, string>();
let agent: https.Agent | undefined;
let plainAgent: http.Agent | undefined;
onAcmeTimeoutsChange(() => {
  agent = undefined;
  plainAgent = undefined;
});

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
 * The HTTPS agent for the ACME server. With a caBundle, one secure context for every connection:
 * given `ca` instead, Node builds a new context per TLS connection, parsing the ~140 system roots
 * each time, and keys its socket pool by the whole CA text. That cost 85% of the CPU of an
 * issuance against Pebble (bench/RESULTS.md).
 */
export function acmeHttpsAgent(): https.Agent {
  agent ??= withConnectDeadline(
    new https.Agent({ keepAlive: true, ...(trusted.size > 0 ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, ...trusted.values()] }) } : {}) }),
  );
  return agent;
}

/** The agent for an http:// directory (a CA on a private network, a test CA). */
export function acmeHttpAgent(): http.Agent {
  plainAgent ??= withConnectDeadline(new http.Agent({ keepAlive: true }));
  return plainAgent;
}

/**
 * Node has no connect timeout of its own: a request's socket timeout starts only once the socket
 * is connected, so a CA whose listener accepts TCP but never finishes the TLS handshake (or a
 * firewall that drops SYNs) would be waited on for ever. Every socket these agents open is
 * destroyed if it is not connected (TLS: handshake done) within acme.connectTimeout.
 */
function withConnectDeadline<A extends http.Agent>(a: A): A {
  const agentWithCreate = a as unknown as { createConnection: (...args: unknown[]) => net.Socket };
  const create = agentWithCreate.createConnection.bind(a);
  agentWithCreate.createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    const ms = acmeTimeouts().connectMs;
    const secure = socket instanceof tls.TLSSocket;
    const timer = setTimeout(
      () => socket.destroy(timeoutError(`no ${secure ? 'TLS ' : ''}connection within ${formatDuration(ms)} (acme.connectTimeout)`)),
      ms,
    );
    const done = () => clearTimeout(timer);
    socket.once(secure ? 'secureConnect' : 'connect', done);
    socket.once('close', done);
    return socket;
  };
  return a;
}

/**
 * A local imitation of Azure Key Vault (certificates and secrets REST API, api-version 7.x) and of
 * the two token sources certloop's credentials use, for driving the real Azure SDKs offline:
 *
 * - vault: HTTPS on loopback with an openssl-made certificate (trust it with the target's
 *   caBundle). Unauthenticated requests get the 401 Bearer challenge the SDK expects
 *   (`authorization` + `resource`); only tokens issued by the local authority below are accepted.
 *   Import is strict like the service: the PFX is opened with openssl (MAC and password checked),
 *   a missing private key, an expired certificate or PEM sent without its content type are 400s.
 * - authority (same HTTPS server): OpenID configuration and the client-credentials token endpoint
 *   of `/{tenant}`, checking client id and secret.
 * - managed identity (plain HTTP, as on App Service): `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`.
 * - faults: `failNext` answers the next matching requests with 403/404/429/... instead.
 *
 * It keeps everything in memory and records every request (without bodies) for assertions.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { makeListenerCertificate } from '../listener-cert.js';

export const VAULT_RESOURCE = 'https://vault.azure.net';

export interface StoredVersion {
  name: string;
  version: string;
  enabled: boolean;
  created: number;
  updated: number;
  /** Leaf first. */
  certs: X509Certificate[];
  keyPem: string;
  contentType: string;
  tags: Record<string, string>;
}

export interface Fault {
  method?: string;
  path?: RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many matching requests get this answer (default 1). */
  times?: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  rawQuery: string;
  status: number;
  /** Which token source served the token (client id), for vault requests. */
  caller?: string;
}

export interface FakeKeyVaultOptions {
  dir: string;
  tenantId?: string;
  clients?: Record<string, string>;
  /** Client ids the managed identity endpoint serves ("system" for system-assigned). */
  managedIdentities?: string[];
  /** Items per page in list operations (small values exercise nextLink). */
  pageSize?: number;
}

export interface FakeKeyVault {
  vaultUrl: string;
  authorityHost: string;
  tenantId: string;
  /** PEM of the CA that signed the vault's TLS certificate (the target's caBundle). */
  caFile: string;
  /** For App Service managed identity. */
  identityEndpoint: string;
  identityHeader: string;
  requests: RequestLogEntry[];
  /** Every body posted to the vault, for checking what went over the wire. */
  bodies: string[];
  versions(name: string): StoredVersion[];
  latest(name: string): StoredVersion | undefined;
  /** Store a version directly, as if someone imported it earlier (a PEM chain and key). */
  seed(name: string, fullchainPem: string, keyPem: string, tags?: Record<string, string>): StoredVersion;
  failNext(fault: Fault): void;
  stop(): Promise<void>;
}

export async function startFakeKeyVault(opts: FakeKeyVaultOptions): Promise<FakeKeyVault> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const listener = makeListenerCertificate(opts.dir);
  const tenantId = opts.tenantId ?? '72f988bf-0000-4000-8000-000000000001';
  const clients = opts.clients ?? {};
  const managedIdentities = new Set(opts.managedIdentities ?? ['system']);
  const pageSize = opts.pageSize ?? 25;
  const identityHeader = randomBytes(12).toString('hex');

  const store = new Map<string, StoredVersion[]>();
  const tokens = new Map<string, { resource: string; caller: string; expires: number }>();
  const faults: (Fault & { left: number })[] = [];
  const requests: RequestLogEntry[] = [];
  const bodies: string[] = [];
  let base = '';

  // Shaped as Entra's access tokens are (a JWT with issuer, audience and lifetime), so a service
  // that reads them, as Azurite's `--oauth basic` does, accepts them; the signature is random.
  const issueToken = (resource: string, caller: string) => {
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { aud: resource, iss: `https://sts.windows.net/${tenantId}/`, iat: now, nbf: now - 60, exp: now + 3600, appid: caller };
    const token = [part({ typ: 'JWT', alg: 'RS256' }), part(claims), randomBytes(24).toString('base64url')].join('.');
    tokens.set(token, { resource, caller, expires: Date.now() + 3600_000 });
    return token;
  };

  const server = https.createServer({ cert: fs.readFileSync(listener.cert), key: fs.readFileSync(listener.key) }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const entry: RequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, rawQuery: url.search, status: 0 };
      requests.push(entry);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        entry.status = status;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      try {
        if (url.pathname.startsWith(`/${tenantId}/`) || url.pathname.startsWith('/common/')) return authority(url, req, body, send);
        vault(url, req, body, entry, send);
      } catch (err) {
        send(500, { error: { code: 'InternalError', message: (err as Error).message } });
      }
    });
  });

  function authority(url: URL, req: http.IncomingMessage, body: string, send: (s: number, p: unknown) => void): void {
    const root = `${base}/${tenantId}`;
    if (url.pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
      return send(200, {
        issuer: `${root}/v2.0`,
        authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
        token_endpoint: `${root}/oauth2/v2.0/token`,
        jwks_uri: `${root}/discovery/v2.0/keys`,
        end_session_endpoint: `${root}/oauth2/v2.0/logout`,
        response_types_supported: ['code', 'token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === `/${tenantId}/oauth2/v2.0/token` && req.method === 'POST') {
      const form = new URLSearchParams(body);
      const clientId = form.get('client_id') ?? '';
      if (form.get('grant_type') !== 'client_credentials') return send(400, { error: 'unsupported_grant_type', error_description: 'AADSTS70003: only client_credentials here' });
      if (!(clientId in clients)) return send(400, { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.` });
      if (clients[clientId] !== form.get('client_secret')) {
        return send(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.' });
      }
      const scope = form.get('scope') ?? '';
      const resource = scope.split(' ').find((s) => s.endsWith('/.default'))?.replace(/\/\.default$/, '') ?? '';
      return send(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: issueToken(resource, clientId) });
    }
    send(404, { error: 'not_found' });
  }

  function vault(url: URL, req: http.IncomingMessage, body: string, entry: RequestLogEntry, send: (s: number, p: unknown, h?: Record<string, string>) => void): void {
    // Authentication first, as the service does: no or unknown token → the Bearer challenge.
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = auth ? tokens.get(auth) : undefined;
    if (!token || token.expires < Date.now() || token.resource !== VAULT_RESOURCE) {
      return send(
        401,
        { error: { code: 'Unauthorized', message: auth ? 'AKV10032: Invalid issuer.' : 'AKV10000: Request is missing a Bearer or PoP token.' } },
        { 'www-authenticate': `Bearer authorization="${base}/${tenantId}", resource="${VAULT_RESOURCE}"` },
      );
    }
    entry.caller = token.caller;
    // The SDK writes the key percent-encoded (api%2Dversion); URLSearchParams decodes it.
    if (!url.searchParams.get('api-version')) return send(400, { error: { code: 'BadParameter', message: 'The api-version query parameter is missing' } });

    const fault = faults.find((f) => f.left > 0 && (!f.method || f.method === req.method) && (!f.path || f.path.test(url.pathname)));
    if (fault) {
      fault.left--;
      return send(fault.status, fault.body ?? defaultFaultBody(fault.status), fault.headers);
    }

    const parts = url.pathname.split('/').filter(Boolean);
    const [collection, name, third] = parts;
    if (collection === 'certificates' && !name && req.method === 'GET') return sendPage(url, [...store.keys()].sort().map((n) => itemOf(latestOf(n)!, true)), send);
    if (collection === 'certificates' && name && third === 'import' && req.method === 'POST') {
      bodies.push(body);
      const result = importCertificate(name, JSON.parse(body || '{}'));
      return typeof result === 'string' ? send(400, { error: { code: 'BadParameter', message: result } }) : send(200, bundleOf(result, true));
    }
    if (collection === 'certificates' && name && third === 'versions' && req.method === 'GET') {
      const versions = store.get(name);
      if (!versions) return send(404, notFound('certificate', name));
      return sendPage(url, versions.map((v) => itemOf(v, false)), send);
    }
    if (collection === 'certificates' && name && req.method === 'GET') {
      const v = third ? store.get(name)?.find((x) => x.version === third) : latestOf(name);
      return v ? send(200, bundleOf(v, true)) : send(404, notFound('certificate', name, third));
    }
    if (collection === 'certificates' && name && third && req.method === 'PATCH') {
      bodies.push(body);
      const v = store.get(name)?.find((x) => x.version === third);
      if (!v) return send(404, notFound('certificate', name, third));
      const patch = JSON.parse(body || '{}') as { tags?: Record<string, string>; attributes?: { enabled?: boolean } };
      if (patch.tags) v.tags = patch.tags;
      if (patch.attributes?.enabled !== undefined) v.enabled = patch.attributes.enabled;
      v.updated = Math.floor(Date.now() / 1000);
      return send(200, bundleOf(v, true));
    }
    if (collection === 'secrets' && name && req.method === 'GET') {
      const v = third ? store.get(name)?.find((x) => x.version === third) : latestOf(name);
      if (!v) return send(404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } });
      return send(200, {
        value: secretValue(v),
        contentType: v.contentType,
        id: `${base}/secrets/${v.name}/${v.version}`,
        kid: `${base}/keys/${v.name}/${v.version}`,
        managed: true,
        attributes: attributesOf(v),
        tags: v.tags,
      });
    }
    send(404, { error: { code: 'NotFound', message: `no route for ${req.method} ${url.pathname}` } });
  }

  function sendPage(url: URL, items: unknown[], send: (s: number, p: unknown) => void): void {
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const max = Math.min(Number(url.searchParams.get('maxresults') ?? pageSize), pageSize);
    const page = items.slice(skip, skip + max);
    const nextLink = skip + max < items.length ? `${base}${url.pathname}?api-version=${url.searchParams.get('api-version')}&$skiptoken=${skip + max}&maxresults=${max}` : null;
    send(200, { value: page, nextLink });
  }

  function importCertificate(name: string, req: { value?: string; pwd?: string; policy?: { secret_props?: { contentType?: string } }; tags?: Record<string, string> }): StoredVersion | string {
    if (!req.value) return 'Property value is required';
    const contentType = req.policy?.secret_props?.contentType ?? 'application/x-pkcs12';
    let pem: string;
    if (contentType === 'application/x-pem-file') pem = req.value;
    else if (contentType === 'application/x-pkcs12') {
      const opened = openPfx(Buffer.from(req.value, 'base64'), req.pwd ?? '');
      if (opened === undefined) return 'The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format.';
      pem = opened;
    } else return `Unsupported content type ${contentType}`;
    const keyPem = pem.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)?.[0];
    const certs = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
    if (!keyPem) return 'Private key is not specified in the specified X.509 certificate content. Please specify private key in the X.509 certificate content.';
    if (certs.length === 0) return 'No certificate was found in the specified content.';
    const key = createPrivateKey(keyPem);
    const leafIndex = certs.findIndex((c) => c.checkPrivateKey(key));
    if (leafIndex < 0) return 'The specified X.509 certificate content does not match the private key.';
    const [leaf] = certs.splice(leafIndex, 1);
    if (Date.parse(leaf.validTo) <= Date.now()) return `The specified X.509 certificate content is expired (${leaf.validTo}).`;
    return addVersion(name, [leaf, ...certs], `${keyPem}\n`, contentType, req.tags ?? {});
  }

  function addVersion(name: string, certs: X509Certificate[], keyPem: string, contentType: string, tags: Record<string, string>): StoredVersion {
    const now = Math.floor(Date.now() / 1000);
    const v: StoredVersion = { name, version: randomBytes(16).toString('hex'), enabled: true, created: now, updated: now, certs, keyPem, contentType, tags };
    const list = store.get(name) ?? [];
    list.push(v);
    store.set(name, list);
    return v;
  }

  function latestOf(name: string): StoredVersion | undefined {
    const list = store.get(name);
    return list?.[list.length - 1];
  }

  function attributesOf(v: StoredVersion) {
    return {
      enabled: v.enabled,
      nbf: Math.floor(Date.parse(v.certs[0].validFrom) / 1000),
      exp: Math.floor(Date.parse(v.certs[0].validTo) / 1000),
      created: v.created,
      updated: v.updated,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    };
  }

  function bundleOf(v: StoredVersion, withPolicy: boolean) {
    const leaf = v.certs[0];
    return {
      id: `${base}/certificates/${v.name}/${v.version}`,
      kid: `${base}/keys/${v.name}/${v.version}`,
      sid: `${base}/secrets/${v.name}/${v.version}`,
      x5t: createHash('sha1').update(leaf.raw).digest('base64url'),
      cer: leaf.raw.toString('base64'),
      attributes: attributesOf(v),
      tags: v.tags,
      ...(withPolicy
        ? {
            policy: {
              id: `${base}/certificates/${v.name}/policy`,
              key_props: { exportable: true, kty: leaf.publicKey.asymmetricKeyType === 'ec' ? 'EC' : 'RSA', reuse_key: false },
              secret_props: { contentType: v.contentType },
              x509_props: { subject: leaf.subject.replace(/\n/g, ', '), sans: { dns_names: (leaf.subjectAltName ?? '').split(/,\s*/).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)) } },
              issuer: { name: 'Unknown' },
              attributes: { enabled: true, created: v.created, updated: v.updated },
            },
          }
        : {}),
    };
  }

  function itemOf(v: StoredVersion, unversioned: boolean) {
    return {
      id: unversioned ? `${base}/certificates/${v.name}` : `${base}/certificates/${v.name}/${v.version}`,
      x5t: createHash('sha1').update(v.certs[0].raw).digest('base64url'),
      attributes: attributesOf(v),
      tags: v.tags,
    };
  }

  /** The secret of a certificate: a password-less PFX (or the PEM) with key and chain, as Key Vault returns it. */
  function secretValue(v: StoredVersion): string {
    const pem = `${v.keyPem}${v.certs.map((c) => c.toString()).join('')}`;
    if (v.contentType === 'application/x-pem-file') return pem;
    const der = execFileSync('openssl', ['pkcs12', '-export', '-passout', 'pass:', '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'], {
      input: pem,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return der.toString('base64');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Managed identity, App Service style: plain HTTP on loopback with a shared secret header.
  const mi = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, payload: unknown) => {
      requests.push({ method: req.method ?? 'GET', path: url.pathname, rawQuery: url.search, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.headers['x-identity-header'] !== identityHeader) return reply(401, { error: 'invalid_request', error_description: 'X-IDENTITY-HEADER is missing or wrong' });
    const identity = url.searchParams.get('client_id') ?? 'system';
    if (!managedIdentities.has(identity)) return reply(400, { error: 'invalid_request', error_description: `No managed identity found for client_id ${identity}` });
    const resource = url.searchParams.get('resource') ?? '';
    reply(200, {
      access_token: issueToken(resource.replace(/\/$/, ''), `mi:${identity}`),
      expires_on: String(Math.floor(Date.now() / 1000) + 3600),
      resource,
      token_type: 'Bearer',
      client_id: identity,
    });
  });
  await new Promise<void>((resolve) => mi.listen(0, '127.0.0.1', resolve));

  return {
    vaultUrl: base,
    authorityHost: base,
    tenantId,
    caFile: listener.ca,
    identityEndpoint: `http://127.0.0.1:${(mi.address() as AddressInfo).port}/msi/token`,
    identityHeader,
    requests,
    bodies,
    versions: (name) => store.get(name) ?? [],
    latest: latestOf,
    seed(name, fullchainPem, keyPem, tags = {}) {
      const certs = (fullchainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
      return addVersion(name, certs, createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'application/x-pkcs12', tags);
    },
    failNext(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    async stop() {
      server.closeAllConnections();
      mi.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => mi.close(r))]);
    },
  };
}

/** Opens a PFX with openssl (checks the MAC and the password); PEM of everything in it, or undefined. */
function openPfx(pfx: Buffer, password: string): string | undefined {
  const file = path.join(os.tmpdir(), `kv-import-${randomBytes(6).toString('hex')}.pfx`);
  fs.writeFileSync(file, pfx, { mode: 0o600 });
  try {
    return execFileSync('openssl', ['pkcs12', '-in', file, '-nodes', '-passin', 'env:KV_PFX_PASSWORD'], {
      env: { ...process.env, KV_PFX_PASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  } catch {
    return undefined;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function notFound(kind: string, name: string, version?: string) {
  return { error: { code: 'CertificateNotFound', message: `A ${kind} with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault. If you recently deleted this ${kind} you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182` } };
}

function defaultFaultBody(status: number) {
  switch (status) {
    case 403:
      return { error: { code: 'Forbidden', message: "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=certloop;oid=00000000\r\nAction: 'Microsoft.KeyVault/vaults/certificates/import/action'", innererror: { code: 'ForbiddenByRbac' } } };
    case 404:
      return { error: { code: 'NotFound', message: 'The requested resource was not found.' } };
    case 429:
      return { error: { code: 'Throttled', message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached' } };
    default:
      return { error: { code: 'ServiceUnavailable', message: `injected ${status}` } };
  }
}

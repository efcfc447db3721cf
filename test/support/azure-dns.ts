/**
 * A local stand-in for Azure DNS, driven by the real @azure/arm-dns and @azure/identity SDKs:
 *
 * - an HTTPS server speaking the ARM DNS record-set API the SDK calls (GET, PUT with If-Match /
 *   If-None-Match, DELETE with If-Match, etags that change on every write, ARM error bodies),
 *   which only accepts bearer tokens it issued itself;
 * - on the same host, a Microsoft Entra-style authority (OpenID configuration + client-credentials
 *   token endpoint) for the client-secret credential (`authorityHost`);
 * - a UDP DNS server answering the zones' records authoritatively, as Azure's name servers do, so
 *   the propagation check and the conformance suite see what was written.
 *
 * TLS uses a throwaway CA (`caFile`), trusted through the provider's `caBundle`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import { makeListenerCertificate } from './listener-cert.js';

export interface AzureDnsRecordSet {
  etag: string;
  ttl: number;
  metadata?: Record<string, string>;
  txt: string[][];
}

export interface AzureRequestLog {
  method: string;
  path: string;
  ifMatch?: string;
  ifNoneMatch?: string;
  status: number;
}

export interface FakeAzureDns {
  /** ARM endpoint and authority host: https://127.0.0.1:PORT */
  url: string;
  caFile: string;
  /** "127.0.0.1:PORT": the zones' authoritative DNS server (UDP). */
  dnsServer: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  resourceGroup: string;
  requests: AzureRequestLog[];
  /** The TXT values of a record set (each record's strings joined), or undefined when absent. */
  txt(zone: string, name: string): string[] | undefined;
  /** Creates or replaces a TXT record set, as another writer would. */
  setTxt(zone: string, name: string, values: string[]): void;
  /** Runs `fn` once, right before the next write is checked: simulates a concurrent writer. */
  beforeNextWrite(fn: () => void): void;
  /**
   * Creates or replaces a record set of another type (A, AAAA, CNAME, MX …), with its ARM
   * properties as the API spells them: `{ ARecords: [{ ipv4Address: '192.0.2.1' }] }`. Such sets
   * are listed (`.../recordsets`) but not served by GET/PUT, which keep to TXT.
   */
  setRecordSet(zone: string, type: string, name: string, properties: Record<string, unknown>): void;
  /** From now on, listing requests are accepted and never answered (an ARM endpoint that hangs). */
  stallListing(): void;
  stop(): Promise<void>;
}

export interface FakeAzureDnsOptions {
  dir: string;
  zones: string[];
  subscriptionId?: string;
  resourceGroup?: string;
}

export async function startFakeAzureDns(opts: FakeAzureDnsOptions): Promise<FakeAzureDns> {
  const tls = makeListenerCertificate(opts.dir);
  const subscriptionId = opts.subscriptionId ?? randomUUID();
  const resourceGroup = opts.resourceGroup ?? 'dns-rg';
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const clientSecret = `cs-${randomBytes(18).toString('base64url')}`;
  const tokens = new Set<string>();
  const zones = new Map(opts.zones.map((z) => [z.toLowerCase(), new Map<string, AzureDnsRecordSet>()]));
  const requests: AzureRequestLog[] = [];
  const hooks: (() => void)[] = [];
  /** Record sets of other types than TXT, per zone, keyed "TYPE/name". */
  const others = new Map(opts.zones.map((z) => [z.toLowerCase(), new Map<string, { type: string; name: string; etag: string; properties: Record<string, unknown> }>()]));
  let stalled = false;
  /** ARM pages record-set lists at 100 unless $top asks for fewer (or more, up to 1000). */
  const PAGE = 100;
  let base = '';

  const server = https.createServer({ cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const reply = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
        if (url.pathname.includes('/providers/')) {
          requests.push({
            method: req.method ?? '',
            path: decodeURIComponent(url.pathname),
            ifMatch: req.headers['if-match'] as string | undefined,
            ifNoneMatch: req.headers['if-none-match'] as string | undefined,
            status,
          });
        }
        res.writeHead(status, { 'content-type': 'application/json', 'x-ms-request-id': randomUUID(), ...headers });
        res.end(json === undefined ? undefined : JSON.stringify(json));
      };
      try {
        route(req.method ?? 'GET', url, req.headers, body, reply);
      } catch (err) {
        reply(500, { error: { code: 'InternalServerError', message: String(err) } });
      }
    });
  });

  function route(
    method: string,
    url: URL,
    headers: Record<string, string | string[] | undefined>,
    body: string,
    reply: (status: number, json?: unknown, headers?: Record<string, string>) => void,
  ): void {
    // The authority: OpenID configuration and the client-credentials grant.
    const oidc = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (oidc && method === 'GET') {
      const t = oidc[1];
      reply(200, {
        issuer: `${base}/${t}/v2.0`,
        authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
      return;
    }
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (tokenPath && method === 'POST') {
      const form = new URLSearchParams(body);
      if (tokenPath[1] !== tenantId || form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        reply(401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.',
          error_codes: [7000215],
        });
        return;
      }
      const token = `tok-${randomBytes(24).toString('base64url')}`;
      tokens.add(token);
      reply(200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: token });
      return;
    }

    // ARM: /subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/dnsZones/ZONE/TYPE/NAME
    const auth = headers.authorization;
    if (typeof auth !== 'string' || !tokens.has(auth.replace(/^Bearer /, ''))) {
      reply(401, { error: { code: 'AuthenticationFailed', message: 'Authentication failed. The Authorization header is missing or invalid.' } });
      return;
    }
    if (!url.searchParams.get('api-version')) {
      reply(400, { error: { code: 'MissingApiVersionParameter', message: "The api-version query parameter (?api-version=) is required for all requests." } });
      return;
    }
    const parts = url.pathname.split('/').map(decodeURIComponent);
    const list = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnsZones\/([^/]+)\/recordsets$/i.exec(parts.join('/'));
    if (list && method === 'GET') {
      if (stalled) return;
      listRecordSets(url, list[1], list[2], list[3], reply);
      return;
    }
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnsZones\/([^/]+)\/([^/]+)\/([^/]+)$/i.exec(parts.join('/'));
    if (!m) {
      reply(404, { error: { code: 'InvalidResourceType', message: `no route for ${url.pathname}` } });
      return;
    }
    const [, sub, rg, zoneName, type, name] = m;
    const zone = sub === subscriptionId && rg.toLowerCase() === resourceGroup.toLowerCase() ? zones.get(zoneName.toLowerCase()) : undefined;
    if (!zone) {
      reply(404, { error: { code: 'ParentResourceNotFound', message: `Can not perform requested operation on nested resource. Parent resource '${zoneName}' not found.` } });
      return;
    }
    if (type.toUpperCase() !== 'TXT') {
      reply(400, { error: { code: 'BadRequest', message: 'this test server only keeps TXT record sets' } });
      return;
    }
    const key = name.toLowerCase();
    const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/dnszones/${zoneName}/TXT/${name}`;
    const toJson = (rs: AzureDnsRecordSet) => ({
      id,
      name,
      type: 'Microsoft.Network/dnszones/TXT',
      etag: rs.etag,
      properties: {
        metadata: rs.metadata,
        TTL: rs.ttl,
        fqdn: `${name === '@' ? '' : `${name}.`}${zoneName}.`,
        provisioningState: 'Succeeded',
        TXTRecords: rs.txt.map((value) => ({ value })),
      },
    });

    if (method !== 'GET') hooks.splice(0).forEach((fn) => fn());
    const existing = zone.get(key);
    const ifMatch = headers['if-match'] as string | undefined;
    const ifNoneMatch = headers['if-none-match'] as string | undefined;
    const preconditionFailed = () =>
      reply(412, { error: { code: 'PreconditionFailed', message: 'The condition specified using HTTP conditional header(s) is not met.' } });

    switch (method) {
      case 'GET':
        if (!existing) {
          reply(404, { error: { code: 'NotFound', message: `The resource record '${name}' does not exist in resource group '${rg}' of subscription '${sub}'.` } });
        } else reply(200, toJson(existing));
        return;
      case 'PUT': {
        if ((ifMatch && (!existing || (ifMatch !== '*' && ifMatch !== existing.etag))) || (ifNoneMatch === '*' && existing)) {
          preconditionFailed();
          return;
        }
        const props = (JSON.parse(body || '{}') as { properties?: { TTL?: number; metadata?: Record<string, string>; TXTRecords?: { value?: string[] }[] } }).properties ?? {};
        const rs: AzureDnsRecordSet = {
          etag: randomUUID(),
          ttl: props.TTL ?? 3600,
          metadata: props.metadata,
          txt: (props.TXTRecords ?? []).map((r) => r.value ?? []),
        };
        zone.set(key, rs);
        reply(existing ? 200 : 201, toJson(rs));
        return;
      }
      case 'DELETE':
        if (ifMatch && (!existing || (ifMatch !== '*' && ifMatch !== existing.etag))) {
          preconditionFailed();
          return;
        }
        if (!existing) {
          reply(204);
          return;
        }
        zone.delete(key);
        reply(200);
        return;
      default:
        reply(405, { error: { code: 'MethodNotAllowed', message: `${method} is not supported here` } });
    }
  }

  /** GET .../dnsZones/ZONE/recordsets: every record set, TXT and others, a page at a time. */
  function listRecordSets(url: URL, sub: string, rg: string, zoneName: string, reply: (status: number, json?: unknown) => void): void {
    const key = zoneName.toLowerCase();
    const txt = sub === subscriptionId && rg.toLowerCase() === resourceGroup.toLowerCase() ? zones.get(key) : undefined;
    if (!txt) {
      reply(404, { error: { code: 'ParentResourceNotFound', message: `Can not perform requested operation on nested resource. Parent resource '${zoneName}' not found.` } });
      return;
    }
    const prefix = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/dnszones/${zoneName}`;
    const fqdn = (name: string) => `${name === '@' ? '' : `${name}.`}${zoneName}.`;
    const all = [
      ...[...txt].map(([name, rs]) => ({
        id: `${prefix}/TXT/${name}`,
        name,
        type: 'Microsoft.Network/dnszones/TXT',
        etag: rs.etag,
        properties: { TTL: rs.ttl, fqdn: fqdn(name), provisioningState: 'Succeeded', TXTRecords: rs.txt.map((value) => ({ value })) },
      })),
      ...[...others.get(key)!.values()].map((rs) => ({
        id: `${prefix}/${rs.type}/${rs.name}`,
        name: rs.name,
        type: `Microsoft.Network/dnszones/${rs.type}`,
        etag: rs.etag,
        properties: { TTL: 300, fqdn: fqdn(rs.name), provisioningState: 'Succeeded', ...rs.properties },
      })),
    ];
    const top = Math.min(Number(url.searchParams.get('$top') ?? PAGE) || PAGE, 1000);
    const skip = Number(url.searchParams.get('$skipToken') ?? 0) || 0;
    const page = all.slice(skip, skip + top);
    const next = skip + top < all.length ? `${base}${url.pathname}?api-version=${url.searchParams.get('api-version')}&$top=${top}&$skipToken=${skip + top}` : undefined;
    reply(200, { value: page, ...(next ? { nextLink: next } : {}) });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The zones' authoritative DNS, answering from the same record sets.
  const dns = dgram.createSocket('udp4');
  dns.on('message', (msg, rinfo) => {
    let q: ReturnType<typeof dnsPacket.decode>;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = q.questions?.[0];
    if (!question) return;
    const qname = question.name.toLowerCase().replace(/\.$/, '');
    const zoneName = [...zones.keys()].find((z) => qname === z || qname.endsWith(`.${z}`));
    let rcode = 0;
    const answers: dnsPacket.Answer[] = [];
    const authorities: dnsPacket.Answer[] = [];
    if (!zoneName) rcode = 5; // REFUSED: not our zone
    else {
      const rel = qname === zoneName ? '@' : qname.slice(0, -(zoneName.length + 1));
      const rs = zones.get(zoneName)!.get(rel);
      if (rs && question.type === 'TXT') // A copy: dns-packet turns the strings it encodes into Buffers in place.
        rs.txt.forEach((value) => answers.push({ name: question.name, type: 'TXT', class: 'IN', ttl: rs.ttl, data: [...value] }));
      if (!rs && rel !== '@') rcode = 3; // NXDOMAIN
      if (answers.length === 0) {
        authorities.push({
          name: zoneName,
          type: 'SOA',
          class: 'IN',
          ttl: 60,
          data: { mname: 'ns1-01.azure-dns.test', rname: 'azuredns-hostmaster.test', serial: 1, refresh: 3600, retry: 300, expire: 2419200, minimum: 60 },
        });
      }
    }
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | rcode,
      questions: q.questions,
      answers,
      authorities,
    });
    dns.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => dns.bind(0, '127.0.0.1', resolve));

  return {
    url: base,
    caFile: tls.ca,
    dnsServer: `127.0.0.1:${dns.address().port}`,
    tenantId,
    clientId,
    clientSecret,
    subscriptionId,
    resourceGroup,
    requests,
    txt(zone, name) {
      return zones.get(zone.toLowerCase())?.get(name.toLowerCase())?.txt.map((v) => v.join(''));
    },
    setTxt(zone, name, values) {
      zones.get(zone.toLowerCase())!.set(name.toLowerCase(), { etag: randomUUID(), ttl: 300, metadata: { owner: 'someone else' }, txt: values.map((v) => [v]) });
    },
    beforeNextWrite(fn) {
      hooks.push(fn);
    },
    setRecordSet(zone, type, name, properties) {
      const t = type.toUpperCase();
      others.get(zone.toLowerCase())!.set(`${t}/${name.toLowerCase()}`, { type: t, name: name.toLowerCase(), etag: randomUUID(), properties });
    },
    stallListing() {
      stalled = true;
    },
    async stop() {
      dns.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

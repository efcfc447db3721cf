/**
 * The one-certificate config of the end-to-end lab and of `npm run demo`: certificate "web" for
 * a.test and b.test over http-01, deployed to files that nginx serves, verified on one endpoint.
 */
export interface LabConfigOptions {
  directory: string;
  /** acme.caBundle and verify.trust, absolute or relative to the config file. */
  caBundle: string;
  trust: string;
  /** Port Pebble validates http-01 on (certloop listens there on 127.0.0.1). */
  httpPort: number;
  /** nginx's HTTPS port for a.test. */
  port: number;
  /** The reload command; null for none. */
  reload: string[] | null;
  /** Extra lines under `verify:` (indented 6). */
  verifyExtra?: string;
  /** Extra top-level YAML appended at the end. */
  extra?: string;
  /** A comment block for the top of the file. */
  header?: string;
  /** Extra lines under `acme:` (indented 2). */
  acmeExtra?: string;
  /** The state setting (default ./certloop.db). */
  state?: string;
}

export function labConfig(o: LabConfigOptions): string {
  return `${o.header ?? ''}acme:
  directory: ${o.directory}
  email: ops@example.com
  caBundle: ${o.caBundle}
${o.acmeExtra ?? ''}state: ${o.state ?? './certloop.db'}
certificates:
  - name: web
    domains: [a.test, b.test]
    key: { type: ecdsa-p256 }
    challenge: { type: http-01, listen: 127.0.0.1:${o.httpPort} }
    targets:
      - type: file
        cert: ./live/web/fullchain.pem
        key: ./live/web/privkey.pem
${o.reload ? `        reload: ${JSON.stringify(o.reload)}\n` : ''}    verify:
      endpoints:
        - { host: 127.0.0.1, port: ${o.port}, sni: a.test }
      trust: ${o.trust}
${o.verifyExtra ?? ''}${o.extra ?? ''}`;
}

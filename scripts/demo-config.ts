/**
 * The certloop.yaml the demo writes, in one place so the schema test checks the same shape
 * (test/unit/config/json-schema.test.ts).
 */
export interface DemoConfigOptions {
  directory: string;
  httpPort: number;
  port: number;
  reloadCommand: string[];
}

export function demoConfig(o: DemoConfigOptions): string {
  return `# Written by npm run demo. See README.md for every field.
acme:
  directory: ${o.directory}
  email: ops@example.com
  caBundle: ./pebble/listener-ca.pem
state: ./certloop.db
certificates:
  - name: web
    domains: [a.test, b.test]
    key: { type: ecdsa-p256 }
    challenge: { type: http-01, listen: 127.0.0.1:${o.httpPort} }
    targets:
      - type: file
        cert: ./live/web/fullchain.pem
        key: ./live/web/privkey.pem
        reload: ${JSON.stringify(o.reloadCommand)}
    verify:
      endpoints:
        - { host: 127.0.0.1, port: ${o.port}, sni: a.test }
      trust: ./pebble/pebble-root.pem
`;
}

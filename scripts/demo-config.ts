/**
 * The certloop.yaml the demo writes, in one place so the schema test checks the same shape
 * (test/unit/config/json-schema.test.ts).
 */
import { labConfig } from '../test/support/lab-config.js';

export interface DemoConfigOptions {
  directory: string;
  httpPort: number;
  port: number;
  reloadCommand: string[];
}

export function demoConfig(o: DemoConfigOptions): string {
  return labConfig({
    header: '# Written by npm run demo. See docs/configuration.md for every field.\n',
    directory: o.directory,
    caBundle: './pebble/listener-ca.pem',
    trust: './pebble/pebble-root.pem',
    httpPort: o.httpPort,
    port: o.port,
    reload: o.reloadCommand,
  });
}

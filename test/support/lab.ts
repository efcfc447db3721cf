/**
 * An end-to-end lab: Pebble + nginx on loopback, a config file, and the built CLI driven as a
 * user drives it (a child process, exit codes, stdout/stderr). Every captured output is kept so
 * the suite can check that no secret ever reached it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { capturedOutput, cli, type CliResult } from './cli.js';
import { labConfig } from './lab-config.js';
import { startNginx, writePlaceholder, type Nginx } from './nginx.js';
import { startPebble, type Pebble, type PebbleOptions } from './pebble.js';
import { assertNoKeyMaterial, keyMaterialIn } from './secrets.js';
import { stateFilesUnder, tempDir } from './workspace.js';

// The light helpers live in cli.ts and workspace.ts (unit tests import those: this module starts
// Pebble and nginx); end-to-end tests keep importing them from here.
export { capturedOutput, cli, CLI, recordOutput, type CliResult } from './cli.js';
export { ROOT, stateFilesUnder, tempDir } from './workspace.js';

export interface Lab {
  dir: string;
  pebble: Pebble;
  nginx: Nginx;
  /** The HTTPS port nginx serves a.test on. */
  port: number;
  configFile: string;
  certFile: string;
  keyFile: string;
  run(...args: string[]): Promise<CliResult>;
  writeConfig(overrides?: { reload?: string[] | null; extra?: string }): void;
  stop(): Promise<void>;
}

export async function startLab(name: string, pebbleOpts: Partial<PebbleOptions> = {}): Promise<Lab> {
  const dir = tempDir(name);
  const pebble = await startPebble({ dir: path.join(dir, 'pebble'), ...pebbleOpts });
  const certFile = path.join(dir, 'live', 'web', 'fullchain.pem');
  const keyFile = path.join(dir, 'live', 'web', 'privkey.pem');
  writePlaceholder(certFile, keyFile);
  let nginx: Nginx;
  try {
    nginx = await startNginx(path.join(dir, 'nginx'), [{ server_name: 'a.test', port: 'https', cert: certFile, key: keyFile }]);
  } catch (err) {
    await pebble.stop();
    throw err;
  }
  const port = nginx.ports.https;
  const configFile = path.join(dir, 'certloop.yaml');
  const lab: Lab = {
    dir,
    pebble,
    nginx,
    port,
    configFile,
    certFile,
    keyFile,
    run: (...args) => cli(['-c', configFile, ...args]),
    writeConfig(o = {}) {
      const reload = o.reload === undefined ? nginx.reloadCommand : o.reload;
      fs.writeFileSync(
        configFile,
        labConfig({
          directory: pebble.directory,
          caBundle: pebble.caBundleFile,
          trust: pebble.rootFile,
          httpPort: pebble.httpPort,
          port,
          reload,
          // A short settle keeps the suite fast; test/e2e/confirm-deploy.test.ts shows the default (3s).
          verifyExtra: '      pollFor: 5s\n      settle: 300ms\n',
          extra: o.extra,
        }),
      );
    },
    async stop() {
      nginx.stop();
      await pebble.stop();
      // Whatever this test file printed must not contain the keys this lab's state holds.
      assertNoKeyMaterial(capturedOutput, stateFilesUnder(dir).flatMap(keyMaterialIn));
    },
  };
  lab.writeConfig();
  return lab;
}


/** The top of a config written by a test against the lab's Pebble: acme and the state file. */
export function acmeHeader(pebble: Pebble): string {
  return `acme:
  directory: ${pebble.directory}
  caBundle: ${pebble.caBundleFile}
state: ./certloop.db
`;
}

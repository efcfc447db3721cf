/**
 * Microsoft's Azure Storage emulator (npm `azurite`, a dev dependency) on a loopback port it picks,
 * in memory, for the Blob state store tests. The SDK speaks to it exactly as to Azure Storage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { waitFor } from './net.js';

/** Azurite's well-known development account (published in Azurite's README; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  blobEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Serve HTTPS with this certificate (PEM files); Azurite then also checks bearer tokens. */
  https?: { cert: string; key: string };
}

export async function startAzurite(dir: string, opts: AzuriteOptions = {}): Promise<Azurite> {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
  } catch {
    throw new Error('azurite is not installed: run `npm ci` (it is a dev dependency)');
  }
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'azurite.log');
  // Port 0: Azurite listens where the system says and prints the address it got.
  // --skipApiVersionCheck: the SDK may be newer than the emulator's newest service version.
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      ...['--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--loose'],
      // `--oauth basic` checks a bearer token's issuer, audience and lifetime, not its signature.
      ...(opts.https ? ['--cert', opts.https.cert, '--key', opts.https.key, '--oauth', 'basic'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString();
    fs.appendFileSync(logFile, d);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
  };
  let port = 0;
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`azurite exited at start: ${output.slice(-2000)}`);
        port = Number(/successfully listens on https?:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1] ?? 0);
        return port > 0;
      },
      20_000,
      'azurite to say where it listens',
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; see ${logFile}`);
  }
  const scheme = opts.https ? 'https' : 'http';
  const blobEndpoint = `${scheme}://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=${scheme};AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${blobEndpoint};`,
    stop,
  };
}

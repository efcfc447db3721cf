/**
 * http-01 (RFC 8555 §8.3): answer GET /.well-known/acme-challenge/TOKEN with the key
 * authorization, either from certloop's own listener or from files in a web server's webroot.
 *
 * Listeners are shared per address: many certificates renewed at once all need port 80 (or the
 * configured port), and a second bind would fail with EADDRINUSE.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { CertloopError } from '../../../src/errors.js';
import type { ChallengeTask, Solver, SolverFactory, SolverLifecycle } from '../../../src/plugins.js';
import type { Http01Config } from './schema.js';

const PREFIX = '/.well-known/acme-challenge/';

interface SharedListener {
  server: http.Server;
  tokens: Map<string, string>;
  users: number;
  ready: Promise<void>;
}

const listeners = new Map<string, SharedListener>();

function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

async function openListener(listen: string): Promise<SharedListener> {
  const existing = listeners.get(listen);
  if (existing) {
    existing.users++;
    await existing.ready;
    return existing;
  }
  const tokens = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const answer = url.startsWith(PREFIX) ? tokens.get(url.slice(PREFIX.length)) : undefined;
    if (req.method === 'GET' && answer !== undefined) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(answer);
    } else {
      res.writeHead(404).end();
    }
  });
  server.keepAliveTimeout = 1000;
  const { host, port } = splitHostPort(listen);
  const entry: SharedListener = {
    server,
    tokens,
    users: 1,
    ready: new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }),
  };
  listeners.set(listen, entry);
  try {
    await entry.ready;
  } catch (err) {
    listeners.delete(listen);
    const code = (err as NodeJS.ErrnoException).code;
    const hint =
      code === 'EADDRINUSE'
        ? 'another program already listens there (a web server? use webroot instead)'
        : code === 'EACCES'
          ? 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
          : String(code ?? err);
    throw new CertloopError('CHALLENGE_FAILED', `http-01: cannot listen on ${listen}: ${hint}`, { cause: err, step: 'issue' });
  }
  return entry;
}

async function closeListener(listen: string): Promise<void> {
  const entry = listeners.get(listen);
  if (!entry) return;
  entry.users--;
  if (entry.users > 0) return;
  listeners.delete(listen);
  await new Promise<void>((resolve) => {
    entry.server.close(() => resolve());
    entry.server.closeAllConnections();
  });
}

export class Http01Solver implements Solver, SolverLifecycle {
  readonly challengeType = 'http-01' as const;
  private listener?: SharedListener;

  constructor(private readonly config: Http01Config) {}

  async start(): Promise<void> {
    if (this.config.listen) this.listener = await openListener(this.config.listen);
  }

  async stop(): Promise<void> {
    if (this.config.listen && this.listener) {
      this.listener = undefined;
      await closeListener(this.config.listen);
    }
  }

  async present(task: ChallengeTask): Promise<void> {
    if (this.listener) {
      this.listener.tokens.set(task.token, task.keyAuthorization);
      return;
    }
    const dir = path.join(this.config.webroot!, '.well-known', 'acme-challenge');
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      await fs.writeFile(path.join(dir, task.token), task.keyAuthorization, { mode: 0o644 });
    } catch (err) {
      throw new CertloopError('CHALLENGE_FAILED', `http-01: cannot write the challenge file in ${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
        cause: err,
        step: 'issue',
      });
    }
  }

  async cleanup(task: ChallengeTask): Promise<void> {
    if (this.listener) {
      this.listener.tokens.delete(task.token);
      return;
    }
    await fs.rm(path.join(this.config.webroot!, '.well-known', 'acme-challenge', task.token), { force: true });
  }
}

export const create: SolverFactory<Http01Config> = (config) => new Http01Solver(config);

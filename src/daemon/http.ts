/**
 * The daemon's small HTTP server: a route table, GET and HEAD only. Adding a page is one line in
 * the table the daemon builds (see daemon.ts `routes`). Binds to loopback unless told otherwise:
 * /metrics and the status page describe the infrastructure and have no authentication.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CertloopError, describeError } from '../errors.js';
import type { Logger } from '../observability/logger.js';

export interface Reply {
  status?: number;
  contentType?: string;
  body: string;
}

export type Handler = (req: http.IncomingMessage) => Reply | Promise<Reply>;

/** A page that answers the request itself (methods, authentication, headers): the status page. */
export interface RawRoute {
  raw: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
}

export type Route = Handler | RawRoute;

export interface HttpServer {
  /** "http://127.0.0.1:9464" */
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(listen: string, routes: Record<string, Route>, log: Logger): Promise<HttpServer> {
  const server = http.createServer((req, res) => {
    void serve(req, res);
  });
  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[pathname];
    if (route && typeof route !== 'function') {
      await route.raw(req, res).catch((err: unknown) => {
        log.error({ path: pathname, err: describeError(err) }, 'HTTP handler failed');
        if (!res.headersSent) res.writeHead(500).end('internal error (see the certloop log)\n');
      });
      return;
    }
    const handler = route;
    let reply: Reply;
    if (req.method !== 'GET' && req.method !== 'HEAD') reply = { status: 405, body: 'only GET and HEAD\n' };
    else if (!handler) reply = { status: 404, body: `not found; try ${Object.keys(routes).join(', ')}\n` };
    else {
      try {
        reply = await handler(req);
      } catch (err) {
        log.error({ path: pathname, err: describeError(err) }, 'HTTP handler failed');
        reply = { status: 500, body: 'internal error (see the certloop log)\n' };
      }
    }
    res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }
  server.keepAliveTimeout = 5000;

  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(i + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new CertloopError('USAGE', `cannot listen on ${listen}: ${err.code ?? err.message} (set listen: in the config or --listen)`, { retryable: false })),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

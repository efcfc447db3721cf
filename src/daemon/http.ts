/**
 * The daemon's small HTTP server: a route table, GET and HEAD only. Adding a page is one line in
 * the daemon's table (routes.ts). Binds to loopback unless told otherwise.
 *
 * Total by construction (issue 16: `GET http://[/ HTTP/1.1` threw "Invalid URL" and killed the
 * daemon): a request target that names no path is 400, an unknown path 404, another method 405,
 * a handler that throws 500; nothing a client sends reaches the process's error handler. Every
 * path except the `open` ones passes the credential gate first (statusPage.auth).
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

/** A page that answers the request itself (methods, headers): the status page. */
export interface RawRoute {
  raw: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
}

export type Route = Handler | RawRoute;

export interface HttpServerOptions {
  /** Admits a request (true) or has answered it already (false): see report/http.ts credentialGate. */
  gate?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /** Paths that skip the gate (probes and scrapers). */
  open?: string[];
}

export interface HttpServer {
  /** "http://127.0.0.1:9464" */
  url: string;
  close(): Promise<void>;
}

/**
 * The path of a request target (RFC 9112 §3.2): origin-form "/p?q" or absolute-form
 * "http://host/p"; undefined for anything else ("*", "http://[/", "http://a:b/").
 */
export function requestPath(target: string | undefined): string | undefined {
  if (!target) return undefined;
  if (target.startsWith('/')) return target.split(/[?#]/, 1)[0];
  if (!/^https?:\/\//i.test(target) || !URL.canParse(target)) return undefined;
  return new URL(target).pathname;
}

export async function startHttpServer(listen: string, routes: Record<string, Route>, log: Logger, opts: HttpServerOptions = {}): Promise<HttpServer> {
  const open = new Set(opts.open ?? []);
  const server = http.createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      log.error({ err: describeError(err) }, 'HTTP handler failed');
      if (!res.headersSent) reply(req, res, { status: 500, body: 'internal error (see the certloop log)\n' });
      else res.destroy();
    });
  });

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = requestPath(req.url);
    if (pathname === undefined) return reply(req, res, { status: 400, body: 'bad request target: expected a path such as /metrics\n' });
    // Pages that parse req.url themselves see the origin form.
    if (!req.url!.startsWith('/')) req.url = pathname;
    if (!open.has(pathname) && opts.gate && !opts.gate(req, res)) return;
    const route = routes[pathname];
    if (route && typeof route !== 'function') return route.raw(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(req, res, { status: 405, body: 'only GET and HEAD\n' }, { allow: 'GET, HEAD' });
    if (!route) return reply(req, res, { status: 404, body: `not found; try ${Object.keys(routes).join(', ')}\n` });
    let answer: Reply;
    try {
      answer = await route(req);
    } catch (err) {
      log.error({ path: pathname, err: describeError(err) }, 'HTTP handler failed');
      answer = { status: 500, body: 'internal error (see the certloop log)\n' };
    }
    reply(req, res, answer);
  }

  // A small admin server: no client needs long to send its headers or its (empty) request.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
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

function reply(req: http.IncomingMessage, res: http.ServerResponse, answer: Reply, headers: Record<string, string> = {}): void {
  res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(req.method === 'HEAD' ? undefined : answer.body);
}

// One HTTP server, three faces:
//   GET  /health                → { ok, version, schema }             (no auth)
//   /plugins, /accounts, /attachments, /jobs, /sessions
//                               → the REST API (src-main/http/rest.ts): per-account bearer tokens
//   POST /api/rpc/<method>      → the contract table, Envelope, codec-encoded: browser mode
//                                 (the same renderer on a second screen in the garage) and tests
//                                 of the real UI in Chromium — the operator's token or session cookie
//   GET  /api/events            → contract events as Server-Sent Events (same auth)
//   GET  /?token=<token>        → sets the session cookie, redirects to /
//   GET  /<file>                → the built renderer, when uiDir is set
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { CONTENT_SECURITY_POLICY } from '../../src-shared/csp.ts';
import { decodeJson, encodeJson } from '../../src-shared/codec.ts';
import { ERROR_CODES, RaceError, type Envelope } from '../../src-shared/errors.ts';
import { RPC_PATH } from '../../src-shared/rpc-client.ts';
import { EVENTS_PATH } from '../../src-shared/contract/index.ts';
import type { Dispatch } from '../app/dispatch.ts';
import { bearer, readBody } from './body.ts';
import type { RestApi } from './rest.ts';
import { readStaticFile } from './static-files.ts';
import { endEventStreams, streamEvents, type EventSourceLike } from './events.ts';

/** How long a stopping server lets its connections finish before it closes them. */
const CLOSE_GRACE_MS = 10_000;

export const SESSION_COOKIE = 'race_session';

export interface HttpServerOptions {
  dispatch: Dispatch;
  /** The address the server binds to; decides which Host headers are accepted. */
  host?: string;
  /** Required on every API call, as `Authorization: Bearer` or the session cookie. */
  token: string;
  /** The built renderer folder; without it only the API is served. */
  uiDir?: string;
  /** The per-account REST API (race serve). */
  rest?: RestApi;
  /** What GET /health reports beside ok. */
  health?: Record<string, unknown>;
  bodyLimitBytes?: number;
  /** Contract events to stream at GET /api/events; without it that route is a 404. */
  events?: EventSourceLike;
  /** One line per request: method, route, status, milliseconds. */
  log?: (line: string) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}


const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

function hostAllowed(req: IncomingMessage, boundHost: string | undefined): boolean {
  const header = req.headers.host;
  if (!header) return false;
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!;
  if (LOOPBACK_NAMES.has(name)) return true;
  // Bound to a LAN address on purpose (`--host`): that address is acceptable too.
  return boundHost !== undefined && !LOOPBACK_NAMES.has(boundHost) && (name === boundHost || `[${boundHost}]` === name);
}

function sendEnvelope(res: ServerResponse, envelope: Envelope): void {
  const status = envelope.ok ? 200 : ERROR_CODES[envelope.error.code];
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(encodeJson(envelope));
}

export function createHttpServer(options: HttpServerOptions): Server {
  const limit = options.bodyLimitBytes ?? 16 * 1024 * 1024;
  const log = options.log ?? (() => {});

  const authorized = (req: IncomingMessage): boolean => {
    const given = bearer(req) ?? cookieValue(req, SESSION_COOKIE);
    return given !== null && sameSecret(given, options.token);
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<string> {
    if (url.pathname === '/health' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ ok: true, ...options.health }));
      return '/health';
    }
    // The REST API authenticates every request with a bearer token, which a browser never
    // attaches on its own: DNS rebinding cannot use it, so any Host is served (a LAN name too).
    if (options.rest) {
      const name = await options.rest.handle(req, res, url);
      if (name !== null) return name;
    }
    if (!hostAllowed(req, options.host)) {
      // A page on another site that rebinds its DNS name to 127.0.0.1 must not reach the API.
      res.writeHead(421, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'FORBIDDEN', message: `host ${req.headers.host} is not served here` } }));
      return '(host)';
    }
    if (url.pathname.startsWith(RPC_PATH)) {
      const method = url.pathname.slice(RPC_PATH.length);
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' });
        sendEnvelope(res, { ok: false, error: { code: 'BAD_ARGS', message: `${method}: use POST` } });
        return `${RPC_PATH}:method`;
      }
      try {
        if (!authorized(req)) throw new RaceError('UNAUTHORIZED', 'missing or wrong token');
        const body = await readBody(req, limit);
        let args: unknown;
        try {
          args = body.length === 0 ? {} : decodeJson(body.toString('utf8'));
        } catch (e) {
          throw new RaceError('BAD_ARGS', `${method}: request body is not valid: ${(e as Error).message}`);
        }
        sendEnvelope(res, await options.dispatch(method, args, { transport: 'http' }));
      } catch (e) {
        const err = e instanceof RaceError ? e : new RaceError('INTERNAL', (e as Error).message);
        sendEnvelope(res, { ok: false, error: err.toBody() });
      }
      return `${RPC_PATH}${method}`;
    }
    if (url.pathname === EVENTS_PATH && options.events && req.method === 'GET') {
      if (!authorized(req)) {
        sendEnvelope(res, { ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong token' } });
        return EVENTS_PATH;
      }
      streamEvents(server, req, res, options.events);
      return EVENTS_PATH;
    }
    if (options.uiDir && (req.method === 'GET' || req.method === 'HEAD')) {
      const token = url.searchParams.get('token');
      if (url.pathname === '/' && token !== null) {
        if (!sameSecret(token, options.token)) {
          res.writeHead(401, { 'content-type': 'text/plain' }).end('wrong token: open the URL that `race serve --ui` printed');
          return '/';
        }
        // Trade the token in the URL for an HttpOnly cookie, and drop it from the address bar.
        res.writeHead(303, {
          location: '/',
          'set-cookie': `${SESSION_COOKIE}=${options.token}; HttpOnly; SameSite=Strict; Path=/`,
        });
        res.end();
        return '/?token';
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return '/favicon.ico';
      }
      const file = await readStaticFile(options.uiDir, url.pathname);
      if (file) {
        const headers: Record<string, string> = { 'content-type': file.contentType, 'x-content-type-options': 'nosniff' };
        if (file.contentType.startsWith('text/html')) {
          headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
          headers['cache-control'] = 'no-store';
        }
        res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : file.body);
        return url.pathname;
      }
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } }));
    return '(none)';
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    route(req, res, url)
      .catch((e) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'INTERNAL', message: (e as Error).message } }));
        return url.pathname;
      })
      .then((routeName) => {
        log(`${req.method} ${routeName} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
      });
  });
  return server;
}

export async function startHttpServer(options: HttpServerOptions & { port?: number; host?: string }): Promise<RunningServer> {
  const server = createHttpServer(options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // In-flight requests finish; a client that holds its connection open past the grace
        // period does not keep the server from stopping.
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        endEventStreams(server);
        server.closeIdleConnections();
      }),
  };
}

// `loupe serve`'s HTTP side: the public local REST API, the live-tail WebSocket and the UI's
// static files. Loopback by default; every request needs the token, or the session cookie of
// Loupe's own page (never another origin's: see request-origin.ts); requests naming a Host that
// is not a loopback name are refused (DNS rebinding); no CORS headers are ever sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { API_LIMITS, type ApiErrorBody, type ApiErrorCode } from '../../../shared/api.js';
import { httpStatusOf } from './errors.js';
import type { EngineApi } from './handlers.js';
import type { RestRoute } from '../core/module.js';
import { ProtocolConnection } from './protocol-server.js';
import { isLoopbackHost } from './host-guard.js';
import { BrowserSessions, SESSION_COOKIE } from './browser-sessions.js';
import { browserOrigin, checkCookieOrigin, isContentTypeIn, isFormContentType, isJsonContentType } from './request-origin.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  token: string;
  /** Folder of the built renderer (index.html …), when there is one. */
  staticDir?: string | undefined;
  /** Where browser sessions are kept across restarts (in the data dir); in memory when not given. */
  sessionsFile?: string | undefined;
  /** Where the user finds the token, for the page shown to a browser that has none (never the token itself). */
  tokenHint?: string | undefined;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Files anyone may fetch without the token: the tab's icon, also on the page that asks for it. */
const PUBLIC_FILES = new Set(['/favicon.ico', '/favicon.svg']);

/** How a request proved it may use the API. */
type Auth = 'token' | 'session';
/** The UI/API port when none is given. */
export const DEFAULT_PORT = 4320;

/** Serves `engine.api`: its REST routes and, on /api/ws, its protocol. */
export async function startHttpServer(engine: { readonly api: EngineApi }, opts: HttpServerOptions): Promise<RunningServer> {
  const tokenBytes = Buffer.from(opts.token);
  const tokenOk = (candidate: string | undefined): boolean => {
    if (!candidate) return false;
    const b = Buffer.from(candidate);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };
  const sessions = new BrowserSessions(opts.token, opts.sessionsFile);
  const allowedHost = (hostHeader: string | undefined): boolean => {
    if (!hostHeader) return false;
    const name = hostOnly(hostHeader);
    return isLoopbackHost(name) || name === opts.host;
  };
  /**
   * The token (a script's Bearer header, Basic auth with the token as password as Grafana's data
   * source sends it, or `?token=` in the address), else the page's session cookie. Loupe never
   * asks a browser for Basic credentials (no WWW-Authenticate), so no browser holds them to send.
   */
  const authenticate = (req: IncomingMessage, url: URL): Auth | null => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return tokenOk(auth.slice(7).trim()) ? 'token' : null;
    if (auth?.startsWith('Basic ')) return tokenOk(basicPassword(auth.slice(6).trim())) ? 'token' : null;
    const fromQuery = url.searchParams.get('token');
    if (fromQuery) return tokenOk(fromQuery) ? 'token' : null;
    return sessions.valid(cookie(req.headers.cookie, SESSION_COOKIE)) ? 'session' : null;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A malformed %-escape in the address is the client's mistake, not Loupe's.
      if (err instanceof URIError) return sendError(res, 'bad_request', `The address is not valid: ${err.message}.`);
      sendError(res, 'internal', err instanceof Error ? err.message : String(err));
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHost(req.headers.host)) {
      return sendError(res, 'forbidden_host', 'Loupe answers only to loopback host names (localhost, 127.0.0.1, [::1]).');
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isApi = url.pathname.startsWith('/api/');
    if (!isApi && PUBLIC_FILES.has(url.pathname) && (req.method === 'GET' || req.method === 'HEAD')) return serveIcon(res);
    const routes = isApi ? engine.api.rest.routesAt(url.pathname) : [];
    if (routes.some((r) => r.auth === 'sentry')) return handleSentry(req, res, url, routes);
    const auth = authenticate(req, url);
    if (auth === null) {
      if (isApi) {
        return sendError(
          res,
          'unauthorized',
          'A token is required: open the URL `loupe serve` printed, or send Authorization: Bearer <token>.',
        );
      }
      return sendHtml(res, tokenPage(opts.tokenHint), 401);
    }
    const write = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
    if (auth === 'session' && routes.some((r) => r.auth === 'token')) {
      return sendError(
        res,
        'unauthorized',
        `${url.pathname} takes the token only (Authorization: Bearer <token>, or Basic with the token as password), not the browser's session.`,
      );
    }
    if (auth === 'session') {
      const verdict = checkCookieOrigin(req, write);
      if (!verdict.ok) return sendError(res, 'forbidden_origin', `Refused: ${verdict.reason}.`);
    }
    // A token given in the address starts a session for the page's own later requests (the
    // cookie holds a session id, not the token), and the address is cleaned so the token doesn't
    // stay in the history.
    if (url.searchParams.has('token') && req.method === 'GET' && !isApi) {
      url.searchParams.delete('token');
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${sessions.create()}; HttpOnly; SameSite=Strict; Path=/`);
      res.writeHead(302, { Location: url.pathname + url.search });
      res.end();
      return;
    }
    if (isApi) {
      // The API takes JSON bodies only: a form or text/plain body is what a page of another
      // origin can send without asking the browser first (no CORS preflight). Routes that take
      // the token only (no page can add it) may take a form, as Prometheus's API does.
      const formOk = isFormContentType(req) && routes.some((r) => r.method === req.method && r.body === 'form');
      if ((req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT') && !isJsonContentType(req) && !formOk) {
        return sendError(res, 'unsupported_media_type', 'Request bodies must be JSON (Content-Type: application/json).');
      }
      return sendAnswer(req, res, url);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'method_not_allowed', 'Only GET is allowed here.');
    return serveStatic(res, url.pathname);
  }

  async function sendAnswer(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const answer = await engine.api.rest.answer(req, url);
    if (answer.allow !== undefined) res.setHeader('Allow', answer.allow);
    if (answer.closeConnection) res.setHeader('Connection', 'close');
    if (answer.json === null) {
      res.writeHead(answer.status).end();
      return;
    }
    return sendJsonText(res, answer.status, answer.json);
  }

  /**
   * A Sentry SDK's request (routes with `auth: 'sentry'`): the token as Sentry's key, answered as
   * Sentry's Relay does (no key 401, a wrong one 403); never the cookie, never a browser page.
   */
  async function handleSentry(req: IncomingMessage, res: ServerResponse, url: URL, routes: readonly RestRoute[]): Promise<void> {
    const route = routes.find((r) => r.method === req.method);
    const refuse = (code: ApiErrorCode, message: string): void => {
      route?.refused?.(httpStatusOf(code), message);
      // The body is left unread: close the connection after the answer.
      res.setHeader('Connection', 'close');
      sendError(res, code, message);
    };
    const page = browserOrigin(req);
    if (page !== null) return refuse('forbidden_origin', `Refused: ${page} may not send Sentry events to Loupe (server SDKs only).`);
    const key = sentryKey(req, url);
    if (key === undefined) {
      return refuse(
        'unauthorized',
        "No Sentry key: set the SDK's DSN to http://<token>@<host:port>/1 (its public key is Loupe's token), or send Authorization: Bearer <token>.",
      );
    }
    if (!tokenOk(key)) return refuse('forbidden_key', "The Sentry key is not Loupe's token: the DSN's public key must be the API token.");
    const body = route?.body;
    if (req.method === 'POST' && typeof body === 'object' && 'bytes' in body && !isContentTypeIn(req, body.contentTypes)) {
      return refuse('unsupported_media_type', `Sentry envelopes and events are taken as ${body.contentTypes.join(' or ')}.`);
    }
    return sendAnswer(req, res, url);
  }

  async function serveIcon(res: ServerResponse): Promise<void> {
    const body = opts.staticDir ? await readFile(join(opts.staticDir, 'favicon.svg')).catch(() => null) : null;
    if (!body) return sendError(res, 'not_found', 'Not found.');
    // Browsers take an SVG icon at /favicon.ico too.
    res.writeHead(200, { 'Content-Type': 'image/svg+xml', ...SECURITY_HEADERS, 'Cache-Control': 'max-age=86400' });
    res.end(body);
  }

  async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
    if (!opts.staticDir) return sendHtml(res, placeholderPage());
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = normalize(join(opts.staticDir, rel));
    if (!file.startsWith(opts.staticDir + sep) && file !== opts.staticDir) return sendError(res, 'not_found', 'Not found.');
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', ...SECURITY_HEADERS });
      res.end(body);
    } catch {
      // Client-side routes fall back to the app's page.
      if (!extname(rel)) {
        const index = await readFile(join(opts.staticDir, 'index.html')).catch(() => null);
        if (index) {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...SECURITY_HEADERS });
          res.end(index);
          return;
        }
      }
      sendError(res, 'not_found', 'Not found.');
    }
  }

  // The protocol of shared/api.ts over WebSocket, with the same Host and token checks as every request.
  // Messages as large as a trace import (the protocol limits every other method to maxBodyBytes).
  const wss = new WebSocketServer({ noServer: true, maxPayload: API_LIMITS.maxImportBytes });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reject = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!allowedHost(req.headers.host)) return reject('403 Forbidden');
    const auth = authenticate(req, url);
    if (auth === null) return reject('401 Unauthorized');
    // A WebSocket reads everything: a session may open one from Loupe's own page only.
    if (auth === 'session' && !checkCookieOrigin(req, true).ok) return reject('403 Forbidden');
    if (url.pathname !== '/api/ws') return reject('404 Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new ProtocolConnection(engine, {
        send: (text) => {
          if (ws.readyState !== ws.OPEN) return;
          // A client that sends requests but never reads the answers would make Loupe keep them
          // all in memory: past the cap it is told why and closed (live batches are skipped
          // before this, see ProtocolConnection.subscribe).
          if (ws.bufferedAmount > API_LIMITS.maxUnreadBytes) {
            ws.close(1008, 'Too many unread answers: read what Loupe sends');
            connection.close();
            return;
          }
          ws.send(text);
        },
        buffered: () => ws.bufferedAmount,
      });
      ws.on('message', (data) => {
        if (ws.readyState === ws.OPEN) void connection.receive(String(data));
      });
      ws.on('close', () => connection.close());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    server,
    port,
    url: `http://${hostForUrl}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...SECURITY_HEADERS });
  res.end(text);
}

/** An error of the carrier itself (Host, token, origin, body type, static files), in the API's one shape. */
function sendError(res: ServerResponse, code: ApiErrorCode, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJsonText(res, httpStatusOf(code), JSON.stringify({ error: { code, message } } satisfies ApiErrorBody));
}

function sendHtml(res: ServerResponse, html: string, status = 200): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    ...SECURITY_HEADERS,
  });
  res.end(html);
}

function placeholderPage(): string {
  return `<!doctype html><meta charset="utf-8"><title>Loupe</title>
<body style="font: 15px system-ui; margin: 3em">
<h1>Loupe is running</h1>
<p>The engine and its API are up. The UI is not built in this checkout (run <code>npm run build</code>).</p>
<ul><li><a href="/api/logs?limit=50">/api/logs</a></li><li><a href="/api/sources">/api/sources</a></li>
<li><a href="/api/logs/histogram">/api/logs/histogram</a></li></ul></body>`;
}

/** What a browser without the token sees: where to find the URL with it (never the token). */
function tokenPage(hint: string | undefined): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Loupe: open the link with the token</title>
<link rel="icon" href="/favicon.svg">
<body style="font: 15px/1.5 system-ui, sans-serif; margin: 3em; max-width: 44em">
<h1>Loupe needs its token</h1>
<p>Loupe is running, but this page was opened without the token that keeps other pages and other
users of this machine out. Open the address that <code>loupe serve</code> printed in its terminal:
it ends in <code>?token=…</code>. The browser remembers you after that.</p>
${hint ? `<p>${escapeHtml(hint)}</p>` : ''}
<p>Scripts send the token as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

function hostOnly(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return (colon >= 0 ? hostHeader.slice(0, colon) : hostHeader).toLowerCase();
}

/**
 * The key a Sentry SDK authenticates with: `X-Sentry-Auth: Sentry sentry_key=K, sentry_version=7, …`
 * (server SDKs), `?sentry_key=K` (the browser SDK's form), or Loupe's own token forms.
 */
function sentryKey(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-sentry-auth'];
  const sentryAuth = Array.isArray(header) ? header[0] : header;
  if (sentryAuth !== undefined) {
    const m = /(?:^|[\s,])sentry_key\s*=\s*([^\s,]+)/.exec(sentryAuth.replace(/^\s*Sentry\s+/i, ' '));
    if (m) return m[1];
  }
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  if (auth?.startsWith('Basic ')) return basicPassword(auth.slice(6).trim());
  return url.searchParams.get('sentry_key') ?? url.searchParams.get('token') ?? undefined;
}

/** The password of a Basic credential (`user:password` in base64); the user name is not looked at. */
function basicPassword(credential: string): string | undefined {
  const text = Buffer.from(credential, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : text.slice(colon + 1);
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

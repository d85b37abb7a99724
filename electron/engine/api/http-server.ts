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
import { parseTimeParam } from '../../../shared/time.js';
import type { Engine } from '../engine.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import { ProtocolConnection, toApiError } from './protocol-server.js';
import { logFacets } from '../store/log-facets.js';
import { engineStatus } from '../status.js';
import { FORMATS } from '../parse/registry.js';
import { isLoopbackHost } from './host-guard.js';
import { parseDurationUs } from '../store/trace-query.js';
import { BrowserSessions, SESSION_COOKIE } from './browser-sessions.js';
import { checkCookieOrigin, isJsonContentType } from './request-origin.js';
import { importOtlpTraces } from '../sources/otlp/trace-import.js';

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

export async function startHttpServer(engine: Engine, opts: HttpServerOptions): Promise<RunningServer> {
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
  /** The token (a script's Bearer header, or `?token=` in the address), else the page's session cookie. */
  const authenticate = (req: IncomingMessage, url: URL): Auth | null => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return tokenOk(auth.slice(7).trim()) ? 'token' : null;
    const fromQuery = url.searchParams.get('token');
    if (fromQuery) return tokenOk(fromQuery) ? 'token' : null;
    return sessions.valid(cookie(req.headers.cookie, SESSION_COOKIE)) ? 'session' : null;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A malformed %-escape in the address is the client's mistake, not Loupe's.
      if (err instanceof URIError) return sendError(res, 400, 'bad_request', `The address is not valid: ${err.message}.`);
      sendError(res, 500, 'internal', err instanceof Error ? err.message : String(err));
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHost(req.headers.host)) {
      return sendError(res, 403, 'forbidden_host', 'Loupe answers only to loopback host names (localhost, 127.0.0.1, [::1]).');
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isApi = url.pathname.startsWith('/api/');
    if (!isApi && PUBLIC_FILES.has(url.pathname) && (req.method === 'GET' || req.method === 'HEAD')) return serveIcon(res);
    const auth = authenticate(req, url);
    if (auth === null) {
      if (isApi) {
        return sendError(res, 401, 'unauthorized', 'A token is required: open the URL `loupe serve` printed, or send Authorization: Bearer <token>.');
      }
      return sendHtml(res, tokenPage(opts.tokenHint), 401);
    }
    const write = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
    if (auth === 'session') {
      const verdict = checkCookieOrigin(req, write);
      if (!verdict.ok) return sendError(res, 403, 'forbidden_origin', `Refused: ${verdict.reason}.`);
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
      // origin can send without asking the browser first (no CORS preflight).
      if ((req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT') && !isJsonContentType(req)) {
        return sendError(res, 415, 'unsupported_media_type', 'Request bodies must be JSON (Content-Type: application/json).');
      }
      return api(req, res, url);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'method_not_allowed', 'Only GET is allowed here.');
    return serveStatic(res, url.pathname);
  }

  async function serveIcon(res: ServerResponse): Promise<void> {
    const body = opts.staticDir ? await readFile(join(opts.staticDir, 'favicon.svg')).catch(() => null) : null;
    if (!body) return sendError(res, 404, 'not_found', 'Not found.');
    // Browsers take an SVG icon at /favicon.ico too.
    res.writeHead(200, { 'Content-Type': 'image/svg+xml', ...SECURITY_HEADERS, 'Cache-Control': 'max-age=86400' });
    res.end(body);
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    try {
      if (path === '/api/health') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(res, 200, { status: 'ok' });
      }
      if (path === '/api/status') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(res, 200, engineStatus(engine));
      }
      if (path === '/api/logs') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(
          res,
          200,
          engine.reader.search({
            q: q.get('q') ?? '',
            from: timeParam(q, 'from'),
            to: timeParam(q, 'to'),
            limit: intParam(q, 'limit'),
            cursor: q.get('cursor') ?? undefined,
          }),
        );
      }
      if (path === '/api/logs/histogram') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(
          res,
          200,
          engine.reader.histogram({
            q: q.get('q') ?? '',
            from: timeParam(q, 'from'),
            to: timeParam(q, 'to'),
            buckets: intParam(q, 'buckets'),
          }),
        );
      }
      if (path === '/api/logs/facets') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(res, 200, logFacets(engine.reader, { q: q.get('q') ?? '', from: timeParam(q, 'from'), to: timeParam(q, 'to') }));
      }
      const context = /^\/api\/logs\/(\d+)\/context$/.exec(path);
      if (context) {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(res, 200, engine.reader.context(Number(context[1]), intParam(q, 'before') ?? 10, intParam(q, 'after') ?? 10));
      }
      const one = /^\/api\/logs\/(\d+)$/.exec(path);
      if (one) {
        if (method !== 'GET') return notAllowed(res, 'GET');
        const row = engine.reader.getRow(Number(one[1]));
        if (!row) throw new NotFoundError(`No record with id ${one[1]}.`);
        return sendJson(res, 200, engine.reader.toView(row));
      }
      if (path === '/api/sources') {
        if (method === 'GET') return sendJson(res, 200, { sources: engine.sources.list() });
        if (method === 'POST') {
          const body = await readJson(req);
          const format = body.format === undefined || body.format === null ? null : String(body.format);
          const view = await engine.sources.add(String(body.path ?? ''), { format, followSymlinks: body.followSymlinks === true });
          return sendJson(res, 201, view);
        }
        return notAllowed(res, 'GET, POST');
      }
      const source = /^\/api\/sources\/(\d+)$/.exec(path);
      if (source) {
        const id = Number(source[1]);
        if (method === 'GET') {
          const view = engine.sources.view(id);
          if (!view) throw new NotFoundError(`No source with id ${id}.`);
          return sendJson(res, 200, view);
        }
        if (method === 'DELETE') {
          await engine.sources.remove(id);
          res.writeHead(204).end();
          return;
        }
        if (method === 'PATCH') {
          const body = await readJson(req);
          const format = body.format === undefined || body.format === null || body.format === '' ? null : String(body.format);
          return sendJson(res, 200, await engine.sources.setFormat(id, format));
        }
        return notAllowed(res, 'GET, PATCH, DELETE');
      }
      if (path === '/api/traces') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        const duration = (name: string): number | undefined => {
          const v = q.get(name);
          return v === null || v === '' ? undefined : parseDurationUs(v, name);
        };
        return sendJson(
          res,
          200,
          engine.traces.search({
            service: q.get('service') ?? undefined,
            operation: q.get('operation') ?? undefined,
            status: q.get('status') ?? undefined,
            minDurationUs: duration('minDuration'),
            maxDurationUs: duration('maxDuration'),
            q: q.get('q') ?? undefined,
            from: timeParam(q, 'from'),
            to: timeParam(q, 'to'),
            limit: intParam(q, 'limit'),
            cursor: q.get('cursor') ?? undefined,
          }),
        );
      }
      // An OTLP/JSON trace export as the body (what the Traces view's Export writes).
      if (path === '/api/traces/import') {
        if (method !== 'POST') return notAllowed(res, 'POST');
        return sendJson(res, 200, importOtlpTraces(engine.db, await readText(req, API_LIMITS.maxImportBytes)));
      }
      const trace = /^\/api\/traces\/([^/]+)$/.exec(path);
      if (trace) {
        if (method !== 'GET') return notAllowed(res, 'GET');
        const json = engine.traces.getJson(decodeURIComponent(trace[1]!));
        if (json === undefined) throw new NotFoundError(`No trace with id ${trace[1]}.`);
        return sendJsonText(res, 200, json);
      }
      if (path === '/api/services') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(res, 200, { services: engine.traces.services(timeParam(q, 'since')) });
      }
      if (path === '/api/service-map') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(res, 200, engine.traces.serviceMap(timeParam(q, 'from'), timeParam(q, 'to')));
      }
      if (path === '/api/metrics') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(res, 200, { metrics: engine.metrics.list() });
      }
      if (path === '/api/formats') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(res, 200, { formats: FORMATS.map((f) => ({ id: f.id, name: f.name })) });
      }
      return sendError(res, 404, 'not_found', `No API route ${method} ${path}.`);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendError(res, 413, 'too_large', err.message);
      const error = toApiError(err);
      const status = error.code === 'not_found' ? 404 : error.code === 'internal' ? 500 : 400;
      return sendJson(res, status, { error } satisfies ApiErrorBody);
    }
  }

  async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
    if (!opts.staticDir) return sendHtml(res, placeholderPage());
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = normalize(join(opts.staticDir, rel));
    if (!file.startsWith(opts.staticDir + sep) && file !== opts.staticDir) return sendError(res, 404, 'not_found', 'Not found.');
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
      sendError(res, 404, 'not_found', 'Not found.');
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

class BodyTooLargeError extends Error {}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > API_LIMITS.maxBodyBytes) throw new BodyTooLargeError(`The request body is over ${API_LIMITS.maxBodyBytes} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`The request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** A body as text, up to `maxBytes` (a trace import's limit is not the API's). */
async function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BodyTooLargeError(`The request body is over ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const us = parseTimeParam(v);
  if (us === undefined) throw new BadRequestError(`${name}: "${v}" is not a time (RFC 3339, e.g. 2026-11-30T10:00:00Z, or milliseconds since the epoch)`);
  return us;
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new BadRequestError(`${name}: "${v}" is not a whole number`);
  return n;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...SECURITY_HEADERS });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: ApiErrorCode, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, { error: { code, message } } satisfies ApiErrorBody);
}

function notAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendError(res, 405, 'method_not_allowed', `Allowed methods: ${allow}.`);
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

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

// The public local API over real sockets: an engine on a temp SQLite file tailing real files.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { startHttpServer, type RunningServer } from '../../electron/engine/api/http-server.js';
import { waitFor } from '../support/serve-process.js';
import type { EngineStatusView, HistogramView, LogPage, LogRecordView, SourceView } from '../../shared/model.js';
import type { FacetsView, LiveBatch, ServerMessage } from '../../shared/api.js';

const TOKEN = 'secret-token';
let dir: string;
let engine: Engine;
let server: RunningServer;

function line(i: number, level: string, logger: string, msg: string): string {
  const sec = String(i % 60).padStart(2, '0');
  const min = String(Math.floor(i / 60) % 60).padStart(2, '0');
  return `2026-11-30 10:${min}:${sec},${String(i % 1000).padStart(3, '0')} ${level} ${logger}: ${msg}\n`;
}

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, server.url), {
    ...init,
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A raw request, to send a Host header fetch() would not allow. */
function rawGet(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-api-'));
  let text = '';
  for (let i = 0; i < 300; i++) {
    const level = i % 50 === 0 ? 'ERROR' : i % 10 === 0 ? 'WARNING' : 'INFO';
    const logger = i % 3 === 0 ? 'app.db' : i % 3 === 1 ? 'app.db.pool' : 'app.http';
    text += line(i, level, logger, `request ${i} user_id=${i % 7} took ${i}ms${i === 150 ? ' timeout talking to upstream' : ''}`);
  }
  writeFileSync(join(dir, 'app.log'), text);
  engine = await createEngine({ dataDir: join(dir, 'data'), paths: [join(dir, 'app.log')], pollMs: 50, idleMs: 200 });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
  await waitFor(async () => ((await api<LogPage>('/api/logs?limit=1000')).body.records.length === 300 ? true : undefined));
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
});

describe('security', () => {
  it('refuses requests without the token, with a wrong one, and from non-loopback Host names', async () => {
    expect((await fetch(new URL('/api/logs', server.url))).status).toBe(401);
    expect((await fetch(new URL('/api/logs', server.url), { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
    expect(await rawGet('/api/health', { Host: 'evil.example', Authorization: `Bearer ${TOKEN}` })).toBe(403);
    expect(await rawGet('/api/health', { Host: `localhost:${server.port}`, Authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(await rawGet(`/api/health?token=${TOKEN}`, { Host: `127.0.0.1:${server.port}` })).toBe(200);
  });

  it('sends no CORS headers', async () => {
    const res = await fetch(new URL('/api/health', server.url), {
      headers: { Authorization: `Bearer ${TOKEN}`, Origin: 'http://evil.example' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('starts a session for the first page load with the token, and drops the token from the address', async () => {
    const res = await fetch(new URL(`/?token=${TOKEN}`, server.url), { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // Every web server on localhost receives this cookie: it must not be the token.
    expect(cookie).not.toContain(TOKEN);
    const page = await fetch(new URL('/', server.url), { headers: { Cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
  });

  it('refuses a WebSocket without the token', async () => {
    const ws = new WebSocket(server.url.replace('http', 'ws') + 'api/ws');
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });
});

describe('GET /api/logs', () => {
  it('returns records newest first with the fields of the public API', async () => {
    const { body } = await api<LogPage>('/api/logs?limit=3');
    expect(body.records.map((r) => r.message)).toEqual([
      'request 299 user_id=5 took 299ms',
      'request 298 user_id=4 took 298ms',
      'request 297 user_id=3 took 297ms',
    ]);
    const r = body.records[0]!;
    expect(r.level).toBe('info');
    expect(r.severityNumber).toBe(9);
    expect(r.logger).toBe('app.http');
    expect(r.source).toBe(join(dir, 'app.log'));
    expect(new Date(r.timestamp).getTime()).toBe(new Date(2026, 10, 30, 10, 4, 59, 299).getTime());
  });

  it('pages with the cursor without gaps or repeats', async () => {
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const { body }: { body: LogPage } = await api<LogPage>(`/api/logs?limit=70${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.records.map((r) => Number(/request (\d+)/.exec(r.message)![1])));
      cursor = body.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => 299 - i));
  });

  it('filters with the query language', async () => {
    const q = async (query: string): Promise<LogRecordView[]> =>
      (await api<LogPage>(`/api/logs?limit=1000&q=${encodeURIComponent(query)}`)).body.records;
    expect((await q('level:error')).length).toBe(6);
    expect((await q('level:warn+')).length).toBe(30);
    expect((await q('timeout')).map((r) => r.message)).toEqual(['request 150 user_id=3 took 150ms timeout talking to upstream']);
    expect((await q('logger:app.db')).length).toBe(200);
    expect((await q('logger:app.db -logger:app.db.pool')).length).toBe(100);
    expect((await q('"took 42ms"')).length).toBe(1);
  });

  it('filters by time range', async () => {
    const from = new Date(2026, 10, 30, 10, 1, 0).toISOString();
    const to = new Date(2026, 10, 30, 10, 1, 59, 999).toISOString();
    const { body } = await api<LogPage>(`/api/logs?limit=1000&from=${from}&to=${to}`);
    expect(body.records.length).toBe(60);
  });

  it('explains a query mistake with its position', async () => {
    const { status, body } = await api<{ error: { code: string; message: string; position: number } }>(
      `/api/logs?q=${encodeURIComponent('level:error (timeout')}`,
    );
    expect(status).toBe(400);
    expect(body.error.code).toBe('query_syntax');
    expect(body.error.position).toBeGreaterThanOrEqual(12);
    expect(body.error.message).toMatch(/\)|paren/i);
  });

  it('rejects bad parameters with a clear message', async () => {
    const { status, body } = await api<{ error: { message: string } }>('/api/logs?from=yesterday-ish');
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/from/);
  });
});

describe('GET /api/status', () => {
  it('says what was stored, how big the database is, and that OTLP is off here', async () => {
    const { status, body } = await api<EngineStatusView>('/api/status');
    expect(status).toBe(200);
    expect(body.logs.recordsWritten).toBeGreaterThanOrEqual(300);
    expect(body.logs.writeErrors).toBe(0);
    expect(body.database.path).toBe(join(dir, 'data', 'loupe.db'));
    expect(body.database.usedBytes).toBeGreaterThan(0);
    expect(body.otlp).toBeNull();
  });
});

describe('histogram and context', () => {
  it('counts by level over the range', async () => {
    const from = new Date(2026, 10, 30, 10, 0, 0).toISOString();
    const to = new Date(2026, 10, 30, 10, 4, 59, 999).toISOString();
    const { body } = await api<HistogramView>(`/api/logs/histogram?from=${from}&to=${to}&buckets=5`);
    expect(body.total).toBe(300);
    expect(body.buckets.length).toBe(5);
    expect(body.buckets[0]!.counts).toEqual({ info: 54, warn: 4, error: 2 });
    const errors = await api<HistogramView>(`/api/logs/histogram?from=${from}&to=${to}&buckets=5&q=level:error`);
    expect(errors.body.total).toBe(6);
    const text = await api<HistogramView>(`/api/logs/histogram?from=${from}&to=${to}&buckets=5&q=timeout`);
    expect(text.body.total).toBe(1);
    // Asked within a time (the Logs view's first look): five minutes are one pass, counted whole.
    const within = await api<HistogramView>(`/api/logs/histogram?from=${from}&to=${to}&buckets=5&q=timeout&within=0`);
    expect(within.body).toEqual(text.body);
    for (const path of ['/api/logs/histogram?q=timeout&within=-1', '/api/logs/facets?q=timeout&within=soon']) {
      const bad = await api<{ error: { message: string } }>(path);
      expect(bad.status, path).toBe(400);
      expect(bad.body.error.message, path).toMatch(/^within: /);
    }
  });

  it('returns the neighbours of a record in its file', async () => {
    const page = await api<LogPage>(`/api/logs?q=timeout`);
    const id = page.body.records[0]!.id;
    const { body } = await api<{ before: LogRecordView[]; record: LogRecordView; after: LogRecordView[] }>(
      `/api/logs/${id}/context?before=2&after=2`,
    );
    expect(body.before.map((r) => r.message.split(' ')[1])).toEqual(['148', '149']);
    expect(body.after.map((r) => r.message.split(' ')[1])).toEqual(['151', '152']);
  });
});

describe('sources and the live tail', () => {
  it('lists, adds and removes sources, and a new source starts flowing', async () => {
    const list = await api<{ sources: SourceView[] }>('/api/sources');
    expect(list.body.sources[0]!.records).toBe(300);
    expect(list.body.sources[0]!.files[0]!.format).toMatch(/python/);

    // A path not there yet is waited for (source-paths.test.ts); one under a file never can be.
    writeFileSync(join(dir, 'notes.txt'), 'a file\n');
    const bad = await api<{ error: { message: string } }>('/api/sources', {
      method: 'POST',
      body: JSON.stringify({ path: join(dir, 'notes.txt', 'nope.log') }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/notes\.txt is a file, not a folder/);

    const other = join(dir, 'other.log');
    writeFileSync(other, line(1, 'INFO', 'other', 'from the other file'));
    const added = await api<SourceView>('/api/sources', { method: 'POST', body: JSON.stringify({ path: other }) });
    expect(added.status).toBe(201);
    await waitFor(async () => {
      const r = await api<LogPage>(`/api/logs?q=${encodeURIComponent('"from the other file"')}`);
      return r.body.records.length === 1 ? true : undefined;
    });
    const del = await api(`/api/sources/${added.body.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await api<{ sources: SourceView[] }>('/api/sources')).body.sources.map((s) => s.path)).not.toContain(other);
  });

  it('answers requests and pushes new matching lines over the WebSocket protocol', async () => {
    const ws = new WebSocket(server.url.replace('http', 'ws') + 'api/ws', { headers: { Authorization: `Bearer ${TOKEN}` } });
    const messages: ServerMessage[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as ServerMessage));
    await new Promise((r) => ws.once('open', r));
    const reply = (id: number): Promise<ServerMessage> =>
      waitFor(() => messages.find((m) => (m.kind === 'response' || m.kind === 'error') && m.id === id));

    ws.send(JSON.stringify({ kind: 'request', id: 1, method: 'logs.search', params: { q: 'level:error', limit: 2 } }));
    const search = await reply(1);
    expect(search.kind === 'response' && (search.result as LogPage).records.length).toBe(2);

    ws.send(JSON.stringify({ kind: 'request', id: 2, method: 'logs.search', params: { q: 'level:nope' } }));
    const bad = await reply(2);
    expect(bad.kind === 'error' && bad.error.code).toBe('query_syntax');
    expect(bad.kind === 'error' && bad.error.message).toMatch(/level/);

    ws.send(JSON.stringify({ kind: 'request', id: 3, method: 'no.such', params: {} }));
    expect(await reply(3)).toMatchObject({ kind: 'error', error: { code: 'bad_request' } });

    ws.send(JSON.stringify({ kind: 'subscribe', id: 4, topic: 'logs.tail', params: { q: 'level:error' } }));
    expect(await reply(4)).toMatchObject({ kind: 'response' });
    appendFileSync(join(dir, 'app.log'), line(301, 'INFO', 'app', 'not for you') + line(302, 'ERROR', 'app', 'live error arrives'));
    const got = await waitFor(() => messages.find((m) => m.kind === 'event' && m.id === 4));
    expect(got.kind === 'event' && (got.event as LiveBatch).records.map((r) => r.message)).toEqual(['live error arrives']);
    ws.close();
  });

  it('counts facets: levels exactly, loggers and attributes from the newest matches', async () => {
    const { body } = await api<FacetsView>('/api/logs/facets?q=' + encodeURIComponent('logger:app.db'));
    expect(body.levels.reduce((n, l) => n + l.count, 0)).toBe(200);
    expect(body.loggers.map((l) => l.value).sort()).toEqual(['app.db', 'app.db.pool']);
    expect(body.sampled).toBe(200);
    expect(body.complete).toBe(true);
  });
});

// What other pages in the user's browser can do with Loupe's API, tried the way they would: with
// the session cookie the browser attaches for them (cookies are not separated by port), their own
// Origin and Sec-Fetch-Site, the body types a page may send without a preflight, and a WebSocket.
// Also: sessions across restarts, the page a browser without the token sees, malformed addresses,
// and a WebSocket client that never reads.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { startHttpServer, type RunningServer } from '../../electron/engine/api/http-server.js';
import { waitFor } from '../support/serve-process.js';
import type { LogPage, SourceView } from '../../shared/model.js';
import { API_LIMITS } from '../../shared/api.js';
import { rawRequest, type RawReply } from '../support/raw-http.js';

const TOKEN = 'security-test-token';
let dir: string;
let engine: Engine;
let server: RunningServer;
let sessionsFile: string;
let staticDir: string;
/** `loupe_session=…` as the browser sends it after opening the printed URL. */
let sessionCookie: string;

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawReply> {
  return rawRequest(server.port, method, path, headers, body);
}

const own = (): string => `http://127.0.0.1:${server.port}`;
const sourcePaths = async (): Promise<string[]> =>
  (JSON.parse((await send('GET', '/api/sources', { Authorization: `Bearer ${TOKEN}` })).body) as { sources: SourceView[] }).sources.map(
    (s) => s.path,
  );

async function newSession(): Promise<string> {
  const res = await send('GET', `/?token=${TOKEN}`, {});
  expect(res.status).toBe(302);
  const setCookie = String(res.headers['set-cookie'] ?? '');
  return setCookie.split(';')[0]!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-security-'));
  writeFileSync(join(dir, 'app.log'), '2026-11-30 10:00:00,000 INFO app: hello from the app\n');
  // What a page of another origin would like Loupe to read for it.
  writeFileSync(join(dir, 'secret.key'), '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n');
  staticDir = join(dir, 'renderer');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Loupe</title>');
  writeFileSync(join(staticDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  sessionsFile = join(dir, 'data', 'browser-sessions.json');
  engine = await createEngine({ dataDir: join(dir, 'data'), paths: [join(dir, 'app.log')], pollMs: 50, idleMs: 200 });
  server = await startHttpServer(engine, {
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    sessionsFile,
    staticDir,
    tokenHint: 'The token is in /x/api-token.',
  });
  sessionCookie = await newSession();
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
});

describe('the session cookie', () => {
  it('is a session id, not the token, and cannot be used as a Bearer token', async () => {
    const id = sessionCookie.split('=')[1]!;
    expect(id).not.toContain(TOKEN);
    expect((await send('GET', '/api/health', { Authorization: `Bearer ${id}` })).status).toBe(401);
    expect((await send('GET', '/api/health', { Cookie: `loupe_token=${TOKEN}` })).status).toBe(401);
  });

  it("works for Loupe's own page: reads, writes with JSON and its Origin, and the WebSocket", async () => {
    const page = { Cookie: sessionCookie, 'Sec-Fetch-Site': 'same-origin' };
    expect((await send('GET', '/api/logs?limit=1', page)).status).toBe(200);
    const other = join(dir, 'other.log');
    writeFileSync(other, '2026-11-30 10:00:01,000 INFO app: other\n');
    const added = await send(
      'POST',
      '/api/sources',
      { ...page, Origin: own(), 'Content-Type': 'application/json' },
      JSON.stringify({ path: other }),
    );
    expect(added.status).toBe(201);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, { headers: { Cookie: sessionCookie, Origin: own() } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    });
    ws.close();
  });

  it('is refused to a page of another local port: reads, writes and the WebSocket', async () => {
    const evil = 'http://127.0.0.1:8000';
    // A fetch from that page: the browser says who is asking.
    const read = await send('GET', '/api/logs', { Cookie: sessionCookie, Origin: evil, 'Sec-Fetch-Site': 'same-site' });
    expect(read.status).toBe(403);
    expect(JSON.parse(read.body)).toMatchObject({ error: { code: 'forbidden_origin' } });
    // <img src> / <script src> loads send Sec-Fetch-Site without an Origin.
    expect((await send('GET', '/api/logs', { Cookie: sessionCookie, 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await send('GET', '/api/logs', { Cookie: sessionCookie, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);

    const before = await sourcePaths();
    const key = join(dir, 'secret.key');
    // The requests a page can send without a CORS preflight: text/plain and forms…
    const plain = await send(
      'POST',
      '/api/sources',
      { Cookie: sessionCookie, Origin: evil, 'Content-Type': 'text/plain' },
      JSON.stringify({ path: key }),
    );
    expect(plain.status).toBe(403);
    const form = await send(
      'POST',
      '/api/sources',
      { Cookie: sessionCookie, Origin: evil, 'Content-Type': 'application/x-www-form-urlencoded' },
      `path=${key}`,
    );
    expect(form.status).toBe(403);
    // …and JSON, had it got a preflight through.
    const json = await send(
      'POST',
      '/api/sources',
      { Cookie: sessionCookie, Origin: evil, 'Content-Type': 'application/json' },
      JSON.stringify({ path: key }),
    );
    expect(json.status).toBe(403);
    // A change by cookie without any Origin (not a browser page, or an old one) needs the token.
    const bare = await send(
      'POST',
      '/api/sources',
      { Cookie: sessionCookie, 'Content-Type': 'application/json' },
      JSON.stringify({ path: key }),
    );
    expect(bare.status).toBe(403);
    const del = await send('DELETE', '/api/sources/1', { Cookie: sessionCookie, Origin: evil });
    expect(del.status).toBe(403);
    expect(await sourcePaths()).toEqual(before);

    for (const headers of [{ Cookie: sessionCookie, Origin: evil }, { Cookie: sessionCookie }, { Cookie: sessionCookie, Origin: 'null' }]) {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, { headers });
      const status = await new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
      });
      expect(status).toBe(403);
    }
  });

  it('survives a restart of the server, and ends when the token changes', async () => {
    const again = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN, sessionsFile, staticDir });
    const other = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: 'another-token', sessionsFile, staticDir });
    try {
      const status = (s: RunningServer): Promise<number> =>
        fetch(new URL('/api/health', s.url), { headers: { Cookie: sessionCookie } }).then((r) => r.status);
      expect(await status(again)).toBe(200);
      expect(await status(other)).toBe(401);
    } finally {
      await again.close();
      await other.close();
    }
  });
});

describe('request bodies', () => {
  it('are JSON only: other types get 415, whoever sends them', async () => {
    const bearer = { Authorization: `Bearer ${TOKEN}` };
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await send(
        'POST',
        '/api/sources',
        { ...bearer, 'Content-Type': type },
        JSON.stringify({ path: join(dir, 'secret.key') }),
      );
      expect(res.status, type).toBe(415);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'unsupported_media_type' } });
    }
    expect((await send('PATCH', '/api/sources/1', bearer, '{"format":"python"}')).status).toBe(415);
    expect(await sourcePaths()).not.toContain(join(dir, 'secret.key'));
  });
});

describe('a browser without the token', () => {
  it('gets a page that says where the URL with the token is, without the token', async () => {
    const res = await send('GET', '/', { Accept: 'text/html' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/loupe serve/);
    expect(res.body).toMatch(/\?token=/);
    expect(res.body).toContain('The token is in /x/api-token.');
    expect(res.body).not.toContain(TOKEN);
    // The API keeps answering JSON.
    const api = await send('GET', '/api/logs', {});
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('gets the icon for the tab (no 404 in the console)', async () => {
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const res = await send('GET', path, {});
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('image/svg+xml');
    }
  });
});

describe('malformed addresses', () => {
  it('answer 400, not 500', async () => {
    const bearer = { Authorization: `Bearer ${TOKEN}` };
    for (const path of ['/api/traces/%E0%A4%A', '/%zz', '/assets/%']) {
      const res = await send('GET', path, bearer);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'bad_request' } });
    }
  });
});

describe('a WebSocket client that never reads', () => {
  it('is closed (1008) instead of making Loupe keep every answer', async () => {
    // Big answers: 5000 records of a long line each.
    const long = 'x'.repeat(2000);
    let text = '';
    for (let i = 0; i < 5000; i++)
      text += `2026-11-30 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},000 INFO bulk: ${long} ${i}\n`;
    writeFileSync(join(dir, 'bulk.log'), text);
    const added = await send(
      'POST',
      '/api/sources',
      { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      JSON.stringify({ path: join(dir, 'bulk.log') }),
    );
    expect(added.status).toBe(201);
    await waitFor(async () => {
      const page = JSON.parse(
        (await send('GET', '/api/logs?q=logger:bulk&limit=5000', { Authorization: `Bearer ${TOKEN}` })).body,
      ) as LogPage;
      return page.records.length === 5000 ? true : undefined;
    });

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await new Promise((r) => ws.once('open', r));
    let answers = 0;
    ws.on('message', () => answers++);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    // Stop reading, then ask for 80 answers of ~10 MB each.
    ws.pause();
    for (let id = 1; id <= 80; id++)
      ws.send(JSON.stringify({ kind: 'request', id, method: 'logs.search', params: { q: 'logger:bulk', limit: 5000 } }));
    await new Promise((r) => setTimeout(r, 3000));
    ws.resume();
    const { code, reason } = await closed;
    expect(code).toBe(1008);
    expect(reason).toMatch(/unread/);
    // Loupe stopped answering well before the 80th (each answer is far bigger than the cap).
    expect(answers).toBeLessThan(80);
    expect(API_LIMITS.maxUnreadBytes).toBeLessThan(80 * 10_000_000);
  });
});

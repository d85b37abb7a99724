// A search that runs past its deadline is stopped and says so over the API (503, search_timeout),
// and the engine answers the next requests. The deadline is shortened to 1 ms here: the regex
// search below reads thousands of rows, so it always outlives it, while a test of the real 10 s
// would take 10 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { startHttpServer, type RunningServer } from '../../electron/engine/api/http-server.js';
import { waitFor } from '../support/serve-process.js';
import type { LogPage } from '../../shared/model.js';
import type { ApiErrorBody } from '../../shared/api.js';

const TOKEN = 'secret-token';
const LINES = 20_000;
let dir: string;
let engine: Engine;
let server: RunningServer;

async function api<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, server.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-deadline-'));
  let text = '';
  for (let i = 0; i < LINES; i++) {
    const t = new Date(Date.UTC(2026, 10, 30, 10, 0, 0, i * 10)).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
    text += `${t} INFO app.http: GET /api/users/${i % 1000} status=200 in ${i % 997}ms\n`;
  }
  writeFileSync(join(dir, 'app.log'), text);
  engine = await createEngine({ dataDir: join(dir, 'data'), paths: [join(dir, 'app.log')], pollMs: 50, idleMs: 200, searchDeadlineMs: 1 });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
  await waitFor(async () => ((await api<LogPage>('/api/logs?q=status%3D200&limit=1')).body.records?.length === 1 ? true : undefined));
  await waitFor(() => (engine.db.prepare('SELECT count(*) FROM logs').pluck().get() === LINES ? true : undefined));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('search deadline', () => {
  it.each([
    ['/api/logs', '/users\\/\\d+ nothing/'],
    ['/api/logs', '-status'],
    ['/api/logs/histogram', '/users\\/\\d+ nothing/'],
    ['/api/logs/facets', '/users\\/\\d+ nothing/'],
  ])('%s?q=%s stops with search_timeout (503) and the engine keeps answering', async (path, q) => {
    const res = await api<ApiErrorBody>(`${path}?q=${encodeURIComponent(q)}&from=0`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('search_timeout');
    expect(res.body.error.message).toBe('The search took too long (over 1 ms) and was stopped: narrow the time range or add a word.');
    expect((await api<{ ok: boolean }>('/api/health')).status).toBe(200);
    // A search that needs little (the newest match of an indexed word) still answers.
    expect((await api<LogPage>('/api/logs?q=status&limit=1')).body.records).toHaveLength(1);
  });
});

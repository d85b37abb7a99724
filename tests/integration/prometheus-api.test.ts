// Loupe as a Prometheus data source, over HTTP as Grafana uses it: GET and form-encoded POST, the
// token as Bearer or as the Basic password, Prometheus's envelope and error shapes and statuses
// (400 bad_data, 422 execution, 503 timeout); and the browser session cookie refused there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningServer } from '../../electron/engine/api/http-server.js';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import type { OtlpPoint } from '../../electron/engine/core/telemetry.js';
import { MetricWriter } from '../../electron/engine/signals/metrics/metric-writer.js';
import { ResourceStore } from '../../electron/engine/core/resource-store.js';
import { rawRequest, type RawReply } from '../support/raw-http.js';

const TOKEN = 'prometheus-api-token';
const T = 1_800_000_000;
let dir: string;
let engine: Engine;
let server: RunningServer;

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawReply> {
  return rawRequest(server.port, method, path, headers, body);
}

const bearer = { Authorization: `Bearer ${TOKEN}` };
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const json = (r: RawReply): unknown => JSON.parse(r.body);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-prom-api-'));
  engine = await createEngine({ dataDir: dir });
  const points: OtlpPoint[] = [0, 1, 2, 3].map((i) => ({
    startUs: T * 1e6,
    timeUs: (T + i * 15) * 1e6,
    attributes: { route: '/a' },
    flags: 0,
    exemplars: [],
    value: i * 30,
  }));
  const writer = new MetricWriter(engine.db, new ResourceStore(engine.db));
  engine.db.transaction(() =>
    writer.write([
      {
        resource: { attributes: { 'service.name': 'shop' } },
        scope: { name: 't' },
        items: [
          { name: 'requests', type: 'sum', temporality: 2, monotonic: true, description: 'Requests served', points },
          // A gauge on the same labels: `requests_total or queue` with names dropped collides (execution error).
          { name: 'queue', type: 'gauge', temporality: 0, monotonic: false, points: points.map((p) => ({ ...p, value: 4 })) },
        ],
      },
    ]),
  )();
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Prometheus HTTP API', () => {
  it('answers GET with the token as Bearer, in Prometheus envelope', async () => {
    const r = await send(
      'GET',
      `/api/v1/query?${new URLSearchParams({ query: 'rate(requests_total[1m])', time: String(T + 45) })}`,
      bearer,
    );
    expect(r.status).toBe(200);
    // 90 requests over the 45 s sampled, not extrapolated below zero at the start: 90 / 60 s.
    expect(json(r)).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { route: '/a', job: 'shop', service_name: 'shop' }, value: [T + 45, '1.5'] }] },
    });
  });

  it('answers a form-encoded POST with the token as the Basic password, as Grafana sends it', async () => {
    const basic = { Authorization: `Basic ${Buffer.from(`grafana:${TOKEN}`).toString('base64')}` };
    const body = new URLSearchParams({ query: 'requests_total', start: String(T), end: String(T + 30), step: '15s' }).toString();
    const r = await send('POST', '/api/v1/query_range', { ...basic, ...form }, body);
    expect(r.status).toBe(200);
    expect(json(r)).toMatchObject({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            values: [
              [T, '0'],
              [T + 15, '30'],
              [T + 30, '60'],
            ],
          },
        ],
      },
    });
    const wrong = { Authorization: `Basic ${Buffer.from('grafana:not-the-token').toString('base64')}` };
    expect((await send('POST', '/api/v1/query_range', { ...wrong, ...form }, body)).status).toBe(401);
  });

  it('lists series, labels, label values and metadata', async () => {
    const series = await send('POST', '/api/v1/series', { ...bearer, ...form }, 'match[]=requests_total&match[]=queue');
    expect(json(series)).toEqual({
      status: 'success',
      data: [
        { __name__: 'requests_total', route: '/a', job: 'shop', service_name: 'shop' },
        { __name__: 'queue', route: '/a', job: 'shop', service_name: 'shop' },
      ],
    });
    expect(json(await send('GET', '/api/v1/labels', bearer))).toEqual({
      status: 'success',
      data: ['__name__', 'job', 'route', 'service_name'],
    });
    expect(json(await send('GET', '/api/v1/label/__name__/values', bearer))).toEqual({
      status: 'success',
      data: ['queue', 'requests_total'],
    });
    expect(json(await send('GET', '/api/v1/metadata?metric=requests_total', bearer))).toEqual({
      status: 'success',
      data: { requests_total: [{ type: 'counter', help: 'Requests served', unit: '' }] },
    });
  });

  it('answers errors in Prometheus shape: 400 bad_data, 422 execution, 503 timeout', async () => {
    const parse = await send('GET', `/api/v1/query?${new URLSearchParams({ query: 'rate(requests_total[1m]' })}`, bearer);
    expect(parse.status).toBe(400);
    expect(json(parse)).toMatchObject({ status: 'error', errorType: 'bad_data', error: expect.stringContaining('parse error') as string });
    const badStep = await send(
      'GET',
      `/api/v1/query_range?${new URLSearchParams({ query: 'queue', start: String(T), end: String(T + 60), step: '0' })}`,
      bearer,
    );
    expect([badStep.status, json(badStep)]).toMatchObject([
      400,
      { errorType: 'bad_data', error: expect.stringContaining('zero or negative') as string },
    ]);
    const execution = await send(
      'GET',
      `/api/v1/query?${new URLSearchParams({ query: '{__name__=~"requests_total|queue"} * 1', time: String(T) })}`,
      bearer,
    );
    expect([execution.status, json(execution)]).toEqual([
      422,
      { status: 'error', errorType: 'execution', error: 'vector cannot contain metrics with the same labelset' },
    ]);
    // 10,000 steps cannot be evaluated within the 1 ms asked.
    const slow = new URLSearchParams({
      query: 'sum(rate(requests_total[5m]))',
      start: String(T - 10_000),
      end: String(T),
      step: '1',
      timeout: '1ms',
    });
    const timeout = await send('GET', `/api/v1/query_range?${slow}`, bearer);
    expect([timeout.status, json(timeout)]).toMatchObject([503, { status: 'error', errorType: 'timeout' }]);
  });

  it('refuses the browser session cookie, even from Loupe’s own page: only the token opens /api/v1', async () => {
    const login = await send('GET', `/?token=${TOKEN}`, {});
    const cookie = String(login.headers['set-cookie'] ?? '').split(';')[0]!;
    const ownPage = { Cookie: cookie, Origin: `http://127.0.0.1:${server.port}`, 'Sec-Fetch-Site': 'same-origin' };
    // The cookie is good elsewhere in the API…
    expect((await send('GET', '/api/metrics', ownPage)).status).toBe(200);
    // …but not here, GET or form POST.
    const get = await send('GET', '/api/v1/query?query=queue', ownPage);
    expect(get.status).toBe(401);
    expect(get.body).toContain('takes the token only');
    expect((await send('POST', '/api/v1/query', { ...ownPage, ...form }, 'query=queue')).status).toBe(401);
  });

  it('takes a form body only on the Prometheus routes', async () => {
    const r = await send('POST', '/api/sources', { ...bearer, ...form }, 'path=/etc/passwd');
    expect(r.status).toBe(415);
  });
});

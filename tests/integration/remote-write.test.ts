// `--remote-write URL` against a real Prometheus (Debian's 2.42 with --web.enable-remote-write-
// receiver, on a free loopback port): the metric points Loupe stores arrive as the series its own
// PromQL shows (a gauge with its unit, a counter's `_total`, a histogram's `_bucket`/`_sum`/
// `_count`); while Prometheus is down they wait (failed requests counted, retried with a delay),
// and they are delivered once it is back, across a restart of Loupe, each sample once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../electron/engine/core/clock.js';
import { ResourceStore } from '../../electron/engine/core/resource-store.js';
import type { OtlpMetric, OtlpPoint } from '../../electron/engine/core/telemetry.js';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { MetricWriter } from '../../electron/engine/signals/metrics/metric-writer.js';
import { REMOTE_WRITE_EVERY_MS, REMOTE_WRITE_JOB } from '../../electron/engine/signals/metrics/remote-write/module.js';
import { waitFor } from '../support/serve-process.js';

let dir: string;
let port: number;
let prometheus: ChildProcess | null = null;
let engine: Engine | null = null;
const clock = new TestClock(Date.now());
/** Whole seconds, a little in the past: Prometheus takes them as the newest samples of a fresh head. */
const T0 = Math.floor(Date.now() / 1000) - 120;
const resource = { attributes: { 'service.name': 'shop', 'service.instance.id': 'shop-1' } };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function startPrometheus(): Promise<void> {
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
  prometheus = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => ((await fetch(`http://127.0.0.1:${port}/-/ready`).catch(() => null))?.ok ? true : undefined),
    60_000,
    'Prometheus ready',
  );
}

async function stopPrometheus(): Promise<void> {
  const p = prometheus;
  prometheus = null;
  if (!p || p.exitCode !== null) return;
  await new Promise((resolve) => {
    p.once('exit', resolve);
    p.kill('SIGTERM');
  });
}

async function startLoupe(): Promise<Engine> {
  engine = await createEngine({ dataDir: join(dir, 'loupe'), clock, remoteWrite: `http://127.0.0.1:${port}/api/v1/write` });
  return engine;
}

function point(t: number, fields: Partial<OtlpPoint>): OtlpPoint {
  return { startUs: (T0 - 600) * 1e6, timeUs: t * 1e6, attributes: { route: '/cart' }, flags: 0, exemplars: [], ...fields };
}

/** The points of one moment: a gauge, a counter and a histogram, as an OTLP exporter sends them. */
function store(e: Engine, t: number, n: number): void {
  const metrics: OtlpMetric[] = [
    { name: 'queue_depth', type: 'gauge', temporality: 0, monotonic: false, points: [point(t, { value: 10 * n })] },
    { name: 'http.requests', type: 'sum', temporality: 2, monotonic: true, points: [point(t, { value: 100 * n })] },
    {
      name: 'request_duration',
      unit: 's',
      type: 'histogram',
      temporality: 2,
      monotonic: false,
      points: [point(t, { count: 4 * n, sum: 1.5 * n, distribution: { bounds: [0.1, 0.5], counts: [n, 2 * n, n] } })],
    },
  ];
  const writer = new MetricWriter(e.db, new ResourceStore(e.db));
  e.db.transaction(() => writer.write([{ resource, scope: { name: 'test' }, items: metrics }]))();
}

interface Vector {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** An instant query of Prometheus at `t`: label set and value of each series. */
async function promQuery(expr: string, t: number): Promise<{ metric: Record<string, string>; value: string }[]> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?${new URLSearchParams({ query: expr, time: String(t) })}`);
  const body = (await res.json()) as Vector;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.data.result.map((r) => ({ metric: r.metric, value: r.value[1] }));
}

async function sendNow(e: Engine): Promise<void> {
  await e.scheduler.job(REMOTE_WRITE_JOB)!.runNow();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-remote-write-'));
  port = await freePort();
  await startPrometheus();
}, 90_000);

afterAll(async () => {
  await engine?.close();
  await stopPrometheus();
  rmSync(dir, { recursive: true, force: true });
});

describe('remote write to a real Prometheus', () => {
  it('sends a gauge, a counter and a histogram as the Prometheus series Loupe queries', async () => {
    const e = await startLoupe();
    store(e, T0, 1);
    store(e, T0 + 30, 2);
    await sendNow(e);
    const status = e.status().remoteWrite!;
    expect(status).toMatchObject({ failedRequests: 0, droppedSamples: 0, pendingPoints: 0, lastError: null });
    // 2 × (gauge 1 + counter 1 + histogram 3 buckets + sum + count).
    expect(status.sentSamples).toBe(14);

    const labels = { job: 'shop', instance: 'shop-1', service_name: 'shop', route: '/cart' };
    expect(await promQuery('queue_depth', T0 + 30)).toEqual([{ metric: { __name__: 'queue_depth', ...labels }, value: '20' }]);
    // An OTel name keeps its dot (Prometheus 2.42 selects it by __name__).
    expect(await promQuery('{__name__="http.requests_total"}', T0 + 30)).toEqual([
      { metric: { __name__: 'http.requests_total', ...labels }, value: '200' },
    ]);
    const buckets = await promQuery('request_duration_seconds_bucket', T0 + 30);
    expect(buckets.map((b) => [b.metric.le, b.value]).sort()).toEqual([
      ['+Inf', '8'],
      ['0.1', '2'],
      ['0.5', '6'],
    ]);
    expect(await promQuery('request_duration_seconds_sum', T0 + 30)).toMatchObject([{ value: '3' }]);
    expect(await promQuery('request_duration_seconds_count', T0 + 30)).toMatchObject([{ value: '8' }]);
    const [median] = await promQuery('histogram_quantile(0.5, request_duration_seconds_bucket)', T0 + 30);
    expect(Number(median?.value)).toBeCloseTo(0.3, 9);
  });

  it('keeps the points while Prometheus is down and delivers them once, after a restart of Loupe too', async () => {
    let e = engine!;
    await stopPrometheus();
    store(e, T0 + 60, 3);
    await sendNow(e);
    let status = e.status().remoteWrite!;
    expect(status.failedRequests).toBe(1);
    expect(status.lastError).toMatch(/ECONNREFUSED/);
    expect(status.pendingPoints).toBe(3);
    // Within the retry delay a run does not try again; past it, it does.
    await sendNow(e);
    expect(e.status().remoteWrite!.failedRequests).toBe(1);
    clock.sleepMachine(REMOTE_WRITE_EVERY_MS);
    await sendNow(e);
    expect(e.status().remoteWrite!.failedRequests).toBe(2);

    // Loupe restarts; Prometheus comes back; the points stored meanwhile are sent from the cursor.
    await e.close();
    engine = null;
    store((e = await startLoupe()), T0 + 90, 4);
    await startPrometheus();
    await sendNow(e);
    status = e.status().remoteWrite!;
    expect(status).toMatchObject({ failedRequests: 0, droppedSamples: 0, pendingPoints: 0, lagSeconds: 0 });
    expect(status.sentSamples).toBe(14);

    expect(await promQuery('queue_depth', T0 + 90)).toMatchObject([{ value: '40' }]);
    // Four moments stored, four samples each series: none lost, none twice.
    expect(await promQuery('count_over_time(queue_depth[10m])', T0 + 90)).toMatchObject([{ value: '4' }]);
    expect(await promQuery('count_over_time({__name__="http.requests_total"}[10m])', T0 + 90)).toMatchObject([{ value: '4' }]);
    expect(await promQuery('count_over_time(request_duration_seconds_bucket{le="0.5"}[10m])', T0 + 90)).toMatchObject([{ value: '4' }]);
  }, 90_000);

  it('counts samples Prometheus refuses (too old) as dropped and goes on', async () => {
    const e = engine!;
    const writer = new MetricWriter(e.db, new ResourceStore(e.db));
    const old: OtlpMetric = {
      name: 'ancient_gauge',
      type: 'gauge',
      temporality: 0,
      monotonic: false,
      points: [point(T0 - 6 * 3600, { value: 1 })],
    };
    e.db.transaction(() => writer.write([{ resource, scope: { name: 'test' }, items: [old] }]))();
    await sendNow(e);
    const status = e.status().remoteWrite!;
    expect(status.droppedSamples).toBe(1);
    expect(status.lastError).toMatch(/answered 400: .*out of bounds/);
    expect(status.pendingPoints).toBe(0);
    // What comes next is sent as before.
    store(e, T0 + 120, 5);
    await sendNow(e);
    expect(await promQuery('queue_depth', T0 + 120)).toMatchObject([{ value: '50' }]);
  });
});

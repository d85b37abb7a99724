// Loupe's PromQL answers what Prometheus answers. The same samples go into a real Prometheus
// (Debian's 2.42: backfilled with `promtool tsdb create-blocks-from openmetrics`, then served on a
// free loopback port) and into Loupe as the OTLP points they came from (a cumulative and a delta
// counter, a gauge, a histogram, a summary; names and labels as Loupe maps them), and a table of
// expressions is asked of both over /api/v1/query and /api/v1/query_range.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningServer } from '../../electron/engine/api/http-server.js';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import type { OtlpMetric, OtlpPoint, ScopeGroup } from '../../electron/engine/core/telemetry.js';
import { MetricWriter } from '../../electron/engine/signals/metrics/metric-writer.js';
import { ResourceStore } from '../../electron/engine/core/resource-store.js';
import { waitFor } from '../support/serve-process.js';

const TOKEN = 'promql-compare-token';
const STEP_S = 15;
const POINTS = 160; // 40 minutes of 15 s samples
/** Recent enough that neither Prometheus's retention (15 d) nor Loupe's removes it. */
const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 2 * 3600;
const BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5];
const QUANTILES = [0.5, 0.9];

let dir: string;
let engine: Engine;
let server: RunningServer;
let prometheus: ChildProcess;
let prometheusUrl: string;

/** A seeded generator: the same samples on every run. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64), as `le` and `quantile` are written. */
function goFloat(v: number): string {
  return v === Infinity ? '+Inf' : String(v);
}

function labelText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

interface Built {
  openMetrics: string;
  groups: ScopeGroup<OtlpMetric>[];
}

/** The samples, as OTLP points for Loupe and as the OpenMetrics text Prometheus gets (the labels Loupe gives them). */
function buildSamples(): Built {
  const rnd = random(42);
  const resource = { attributes: { 'service.name': 'api', 'service.instance.id': 'a' } };
  const resourceLabels = { job: 'api', instance: 'a', service_name: 'api' };
  const times = Array.from({ length: POINTS }, (_, i) => T0 + i * STEP_S);
  const om: string[] = [];
  const point = (t: number, attributes: Record<string, string>, rest: Partial<OtlpPoint>): OtlpPoint => ({
    startUs: T0 * 1e6,
    timeUs: t * 1e6,
    attributes,
    flags: 0,
    exemplars: [],
    ...rest,
  });

  // A cumulative counter per (method, code); one of them restarts (a process restart) halfway.
  const requests: OtlpMetric = { name: 'http_requests', type: 'sum', temporality: 2, monotonic: true, points: [] };
  om.push('# TYPE http_requests counter');
  for (const [method, code, perStep] of [
    ['GET', '200', 20],
    ['GET', '500', 2],
    ['POST', '200', 7],
    ['POST', '500', 1],
  ] as const) {
    let total = 0;
    times.forEach((t, i) => {
      if (method === 'POST' && code === '200' && i === 80) total = 0;
      total += Math.round(perStep * (0.5 + rnd()));
      requests.points.push(point(t, { method, code }, { value: total }));
      om.push(`http_requests_total${labelText({ code, method, ...resourceLabels })} ${total} ${t}`);
    });
  }

  // A delta counter: Loupe adds the deltas up; Prometheus gets the running total.
  const jobs: OtlpMetric = { name: 'jobs_processed', type: 'sum', temporality: 1, monotonic: true, points: [] };
  om.push('# TYPE jobs_processed counter');
  let jobsTotal = 0;
  times.forEach((t) => {
    const d = Math.round(10 * rnd());
    jobsTotal += d;
    jobs.points.push(point(t, { queue: 'mail' }, { value: d, startUs: (t - STEP_S) * 1e6 }));
    om.push(`jobs_processed_total${labelText({ queue: 'mail', ...resourceLabels })} ${jobsTotal} ${t}`);
  });

  // A gauge with a unit: `temperature` in Cel is `temperature_celsius`.
  const temperature: OtlpMetric = { name: 'temperature', unit: 'Cel', type: 'gauge', temporality: 0, monotonic: false, points: [] };
  om.push('# TYPE temperature_celsius gauge');
  for (const room of ['lab', 'hall']) {
    times.forEach((t, i) => {
      const v = Math.round((20 + 5 * Math.sin(i / 10) + rnd()) * 1000) / 1000;
      temperature.points.push(point(t, { room }, { value: v }));
      om.push(`temperature_celsius${labelText({ room, ...resourceLabels })} ${v} ${t}`);
    });
  }

  // A histogram in seconds, per route: per-bucket counts for Loupe, cumulative `le` series for Prometheus.
  const duration: OtlpMetric = { name: 'request_duration', unit: 's', type: 'histogram', temporality: 2, monotonic: false, points: [] };
  om.push('# TYPE request_duration_seconds histogram');
  for (const route of ['/a', '/b']) {
    const counts = new Array<number>(BOUNDS.length + 1).fill(0);
    let sum = 0;
    const lines = new Map<string, string[]>();
    const line = (key: string, text: string): void => {
      if (!lines.has(key)) lines.set(key, []);
      lines.get(key)!.push(text);
    };
    times.forEach((t) => {
      for (let n = 0; n < 10; n++) {
        const v = (route === '/a' ? 0.3 : 1.2) * -Math.log(1 - rnd());
        sum += v;
        const b = BOUNDS.findIndex((bound) => v <= bound);
        counts[b < 0 ? BOUNDS.length : b]!++;
      }
      const count = counts.reduce((a, b) => a + b, 0);
      const roundedSum = Math.round(sum * 1e6) / 1e6;
      duration.points.push(point(t, { route }, { count, sum: roundedSum, distribution: { bounds: BOUNDS, counts: [...counts] } }));
      let cumulative = 0;
      [...BOUNDS, Infinity].forEach((bound, i) => {
        cumulative += counts[i]!;
        line(`le${i}`, `request_duration_seconds_bucket${labelText({ le: goFloat(bound), route, ...resourceLabels })} ${cumulative} ${t}`);
      });
      line('sum', `request_duration_seconds_sum${labelText({ route, ...resourceLabels })} ${roundedSum} ${t}`);
      line('count', `request_duration_seconds_count${labelText({ route, ...resourceLabels })} ${count} ${t}`);
    });
    for (const l of lines.values()) om.push(...l);
  }

  // A summary: `{quantile}` series.
  const latency: OtlpMetric = { name: 'rpc_latency', type: 'summary', temporality: 0, monotonic: false, points: [] };
  om.push('# TYPE rpc_latency summary');
  const latencyLines = new Map<number, string[]>(QUANTILES.map((q) => [q, []]));
  times.forEach((t, i) => {
    const values = QUANTILES.map((q) => Math.round((q * 100 + 10 * rnd()) * 1000) / 1000);
    const quantiles = QUANTILES.map((q, j) => ({ quantile: q, value: values[j]! }));
    latency.points.push(point(t, {}, { count: i + 1, sum: i * 3, distribution: { quantiles } }));
    QUANTILES.forEach((q, j) =>
      latencyLines.get(q)!.push(`rpc_latency${labelText({ quantile: goFloat(q), ...resourceLabels })} ${values[j]} ${t}`),
    );
  });
  for (const l of latencyLines.values()) om.push(...l);

  om.push('# EOF');
  return {
    openMetrics: `${om.join('\n')}\n`,
    groups: [{ resource, scope: { name: 'compare' }, items: [requests, jobs, temperature, duration, latency] }],
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-promql-compare-'));
  const { openMetrics, groups } = buildSamples();
  const input = join(dir, 'samples.om');
  writeFileSync(input, openMetrics);
  const tsdb = join(dir, 'tsdb');
  const backfill = spawnSync('/usr/bin/promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, tsdb], { encoding: 'utf8' });
  if (backfill.status !== 0) throw new Error(`promtool failed (${backfill.error?.message ?? backfill.status}): ${backfill.stderr}`);
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${tsdb}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => ((await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.ok ? true : undefined),
    60_000,
    'Prometheus ready',
  );

  engine = await createEngine({ dataDir: join(dir, 'loupe') });
  const writer = new MetricWriter(engine.db, new ResourceStore(engine.db));
  engine.db.transaction(() => writer.write(groups))();
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
}, 120_000);

afterAll(async () => {
  prometheus?.kill();
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface PromAnswer {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

async function ask(base: string, path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<PromAnswer> {
  const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`, { headers });
  const body = (await res.json()) as PromAnswer;
  expect(res.status, `${base}${path} ${JSON.stringify(params)}: ${JSON.stringify(body)}`).toBe(200);
  return body;
}

/** label set → [t, v][], for comparing regardless of order (topk's order among ties, sort order). */
function bySeries(a: PromAnswer): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const r of a.data.result) {
    const key = JSON.stringify(Object.entries(r.metric).sort());
    const pairs = r.values ?? (r.value ? [r.value] : []);
    out.set(
      key,
      pairs.map(([t, v]) => [t, Number(v)]),
    );
  }
  return out;
}

/** Compares the answers; returns how many series Prometheus gave (a table that compares nothing proves nothing). */
function expectSame(loupe: PromAnswer, prom: PromAnswer, what: string): number {
  expect(loupe.data.resultType, what).toBe(prom.data.resultType);
  const l = bySeries(loupe);
  const p = bySeries(prom);
  expect([...l.keys()].sort(), what).toEqual([...p.keys()].sort());
  for (const [key, expected] of p) {
    const got = l.get(key)!;
    expect(
      got.map(([t]) => t),
      `${what} ${key}`,
    ).toEqual(expected.map(([t]) => t));
    got.forEach(([, v], i) => {
      const want = expected[i]![1];
      if (Number.isNaN(want)) expect(v, `${what} ${key} at ${expected[i]![0]}`).toBeNaN();
      else
        expect(Math.abs(v - want), `${what} ${key} at ${expected[i]![0]}: ${v} vs ${want}`).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(want)),
        );
    });
  }
  return p.size;
}

const EXPRESSIONS = [
  'rate(http_requests_total[5m])',
  'increase(http_requests_total[10m])',
  'irate(http_requests_total[1m])',
  'sum by (code) (rate(http_requests_total[5m]))',
  'sum(rate(http_requests_total{code="500"}[5m])) / sum(rate(http_requests_total[5m]))',
  'topk(2, rate(http_requests_total[5m]))',
  'sum without (instance, method) (http_requests_total)',
  'rate(http_requests_total[5m] offset 10m)',
  'count by (job) (http_requests_total > bool 500)',
  'rate(jobs_processed_total[5m])',
  'increase(jobs_processed_total[15m])',
  'histogram_quantile(0.95, sum by (le) (rate(request_duration_seconds_bucket[5m])))',
  'histogram_quantile(0.5, rate(request_duration_seconds_bucket[10m]))',
  'rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])',
  'avg_over_time(temperature_celsius[10m])',
  'max_over_time(temperature_celsius[5m])',
  'temperature_celsius - temperature_celsius offset 5m',
  'deriv(temperature_celsius[10m])',
  'delta(temperature_celsius[10m])',
  'rpc_latency{quantile="0.9"} * 2',
  'sum by (job) (rate(http_requests_total[5m])) + on (job) group_left avg by (job) (temperature_celsius)',
];

const auth = { Authorization: `Bearer ${TOKEN}` };

describe('PromQL in Loupe and in Prometheus 2.42, over the same samples', () => {
  it.each(EXPRESSIONS)('%s: /api/v1/query at three instants', async (query) => {
    let compared = 0;
    // Inside the data, between two samples, and after the last one (within the 5 m lookback).
    for (const t of [T0 + 20 * 60, T0 + 30 * 60 + 7, T0 + POINTS * STEP_S + 60]) {
      const params = { query, time: String(t) };
      compared += expectSame(
        await ask(server.url.replace(/\/$/, ''), '/api/v1/query', params, auth),
        await ask(prometheusUrl, '/api/v1/query', params),
        `${query} @ ${t}`,
      );
    }
    expect(compared).toBeGreaterThan(0);
  });

  it.each(EXPRESSIONS)('%s: /api/v1/query_range', async (query) => {
    const params = { query, start: String(T0), end: String(T0 + POINTS * STEP_S + 120), step: '30' };
    expect(
      expectSame(
        await ask(server.url.replace(/\/$/, ''), '/api/v1/query_range', params, auth),
        await ask(prometheusUrl, '/api/v1/query_range', params),
        query,
      ),
    ).toBeGreaterThan(0);
  });

  it('names and labels the series as Prometheus has them', async () => {
    const loupe = await ask(
      server.url.replace(/\/$/, ''),
      '/api/v1/query',
      { query: 'request_duration_seconds_bucket{route="/a"}', time: String(T0 + 600) },
      auth,
    );
    expect(loupe.data.result.map((r) => r.metric.le).sort()).toEqual(['+Inf', '0.05', '0.1', '0.25', '0.5', '1', '2.5']);
    expect(loupe.data.result[0]!.metric).toMatchObject({
      __name__: 'request_duration_seconds_bucket',
      job: 'api',
      instance: 'a',
      service_name: 'api',
      route: '/a',
    });
  });
});

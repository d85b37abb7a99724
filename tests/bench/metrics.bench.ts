// Metrics storage and query speed (the "Speed" targets): OTLP metric points decoded and
// stored per second against a decode-only ceiling in the same run; `query_range` of a
// histogram_quantile over 7 days of 10-second data for 20 services; a 6-chart RED dashboard over
// 24 h; memory and one query with many active series. The history is written straight through the
// MetricWriter (what the OTLP receiver calls), so the query rows measure the PromQL side alone.
// To profile the queries at full size: LOUPE_BENCH_METRICS_KEEP=<dir> keeps the built history
// database there and starts from a copy of it next time.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase, type Db } from '../../electron/engine/core/database.js';
import { ResourceStore } from '../../electron/engine/core/resource-store.js';
import type { OtlpMetric, ScopeGroup } from '../../electron/engine/core/telemetry.js';
import { decodeExport } from '../../electron/engine/ingest/otlp/decode.js';
import { OtlpIngest } from '../../electron/engine/ingest/otlp/ingest.js';
import { SearchTimeoutError } from '../../electron/engine/signals/logs/query/index.js';
import { LogWriter } from '../../electron/engine/signals/logs/log-writer.js';
import { MetricWriter } from '../../electron/engine/signals/metrics/metric-writer.js';
import { PrometheusApi } from '../../electron/engine/signals/metrics/prometheus-api.js';
import { SqliteSeriesStore } from '../../electron/engine/signals/metrics/sqlite-series-store.js';
import { bytes, field, fixed64, str, varint } from '../support/otlp-proto.js';
import { percentile, timeIt, type BenchRow } from './bench-row.js';

/** The OpenTelemetry SDK's default explicit bounds for a duration in ms. */
const BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
const STEP_MS = 10_000;
/** Steps of a chart's query_range: a range over 300 steps (7 d: 2,016 s; 24 h: 288 s). */
const STEPS = 300;

// --- OTLP protobuf, byte by byte (ExportMetricsServiceRequest) ---

function double(num: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return field(num, 1, b);
}
/** A KeyValue as field `num` of its message (7 in a NumberDataPoint, 9 in a HistogramDataPoint, 1 in a Resource). */
function attr(num: number, key: string, value: string | number): Buffer {
  return bytes(num, Buffer.concat([str(1, key), bytes(2, typeof value === 'string' ? str(1, value) : field(3, 0, varint(value)))]));
}
function packedFixed64(num: number, values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), i * 8));
  return bytes(num, b);
}
function packedDouble(num: number, values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return bytes(num, b);
}

const START_NS = 1_780_000_000_000_000_000n;

/**
 * One export of 4 services × (100 histogram + 75 counter + 75 gauge series) = 1,000 points, the
 * same 1,000 series in every request (an SDK's periodic export), `interval` 10 s apart.
 */
function metricsRequest(interval: number): Buffer {
  const timeNs = START_NS + BigInt(interval) * 10_000_000_000n;
  const labels = (num: number, i: number): Buffer =>
    Buffer.concat([
      attr(num, 'http.route', `/api/v1/items/${i % 25}`),
      attr(num, 'http.request.method', i % 50 < 25 ? 'GET' : 'POST'),
      attr(num, 'http.response.status_code', i % 100 < 50 ? 200 : 500),
    ]);
  const resources: Buffer[] = [];
  for (let s = 0; s < 4; s++) {
    const histPoints = Array.from({ length: 100 }, (_, i) => {
      const counts = BOUNDS.map((_, b) => interval * ((b * 7 + i) % 13)).concat([interval]);
      const count = counts.reduce((a, c) => a + c, 0);
      return bytes(
        1,
        Buffer.concat([
          labels(9, i),
          fixed64(2, START_NS),
          fixed64(3, timeNs),
          fixed64(4, BigInt(count)),
          double(5, count * 42.5),
          packedFixed64(6, counts),
          packedDouble(7, BOUNDS),
        ]),
      );
    });
    const sumPoints = Array.from({ length: 75 }, (_, i) =>
      bytes(1, Buffer.concat([labels(7, i), fixed64(2, START_NS), fixed64(3, timeNs), double(4, interval * (i + 1))])),
    );
    const gaugePoints = Array.from({ length: 75 }, (_, i) =>
      bytes(1, Buffer.concat([labels(7, i), fixed64(3, timeNs), double(4, (interval * 31 + i) % 1000)])),
    );
    const histogram = Buffer.concat([...histPoints, field(2, 0, varint(2))]);
    const sum = Buffer.concat([...sumPoints, field(2, 0, varint(2)), field(3, 0, varint(1))]);
    const metrics = [
      bytes(2, Buffer.concat([str(1, 'http.server.request.duration'), str(3, 'ms'), bytes(9, histogram)])),
      bytes(2, Buffer.concat([str(1, 'db.client.operations'), str(3, '{operation}'), bytes(7, sum)])),
      bytes(2, Buffer.concat([str(1, 'db.client.connection.count'), str(3, '{connection}'), bytes(5, Buffer.concat(gaugePoints))])),
    ];
    const scopeMetrics = Buffer.concat([bytes(1, str(1, 'bench.meter')), ...metrics]);
    const resource = bytes(1, Buffer.concat([attr(1, 'service.name', `svc-${s}`), attr(1, 'service.instance.id', `svc-${s}-1`)]));
    resources.push(bytes(1, Buffer.concat([resource, bytes(2, scopeMetrics)])));
  }
  return Buffer.concat(resources);
}

const perSecond = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en')} points/s`;

function pointsOf(groups: ScopeGroup<OtlpMetric>[]): number {
  let n = 0;
  for (const g of groups) for (const m of g.items) n += m.points.length;
  return n;
}

/** Row 1: 1,000-point protobuf requests through the receiver's decoder and writer (and the point log's folds), against decoding alone. */
async function ingestRow(dir: string, quick: boolean): Promise<BenchRow> {
  const requests = Array.from({ length: quick ? 100 : 1000 }, (_, i) => metricsRequest(i + 1));
  const decodeAll = (): number => {
    let n = 0;
    for (const r of requests) n += pointsOf(decodeExport('metrics', 'protobuf', r).groups as ScopeGroup<OtlpMetric>[]);
    return n;
  };
  decodeAll(); // warm-up
  let t0 = performance.now();
  const points = decodeAll();
  const ceilingMs = performance.now() - t0;

  const db = openDatabase(join(dir, 'otlp-metrics.db'));
  try {
    const ingest = new OtlpIngest(db, new LogWriter(db), { maxPendingItems: Number.MAX_SAFE_INTEGER });
    t0 = performance.now();
    const done: Promise<void>[] = [];
    for (const r of requests) done.push(ingest.submit('metrics', decodeExport('metrics', 'protobuf', r)));
    ingest.flush();
    await Promise.all(done);
    // Acknowledged points are readable at once (a read folds the point log); the clock stops once
    // every point is folded into metric_points, so the figure is what is sustained.
    ingest.close();
    const ms = performance.now() - t0;
    if (ingest.stats.metricPoints !== points) throw new Error(`benchMetrics: ${ingest.stats.metricPoints} of ${points} points stored`);
    const bytesPerPoint = Math.round(requests.reduce((a, r) => a + r.length, 0) / points);
    return {
      what: `OTLP protobuf metric points decode + store (${requests.length} × 1,000-point requests, 1,000 series: 40% histograms, ${bytesPerPoint} B/point)`,
      value: perSecond(points, ms),
      ceiling: `${perSecond(points, ceilingMs)} decode only`,
      ratio: (ceilingMs / ms).toFixed(2),
      target: '≥ 100,000 points/s',
      ok: (points / ms) * 1000 >= 100_000,
    };
  } finally {
    db.close();
  }
}

const SERVICES = 20;

/** A history written, and the writing of its next 10 s interval (a live app's next export). */
interface History {
  points: number;
  /** Writes the next interval (its own transaction); returns its time (ms). */
  next: () => number;
}

/**
 * `days` of 10-second points for 20 services, each with a latency histogram (ms), an error counter
 * and a memory gauge, ending at `endMs`, written in transactions of 500 intervals (`kept`: already
 * in the database, a kept copy: only the counters are worked out, for the intervals to come).
 */
function writeHistory(db: Db, days: number, endMs: number, kept = false): History {
  const writer = new MetricWriter(db, new ResourceStore(db));
  const steps = days * 8640;
  const firstMs = endMs - (steps - 1) * STEP_MS;
  const startUs = (firstMs - STEP_MS) * 1000;
  const buckets = Array.from({ length: SERVICES }, () => new Array<number>(BOUNDS.length + 1).fill(0));
  const errors = new Array<number>(SERVICES).fill(0);
  const scope = { name: 'io.opentelemetry.http' };
  const resources = Array.from({ length: SERVICES }, (_, s) => ({ attributes: { 'service.name': `svc-${s}` } }));
  const attributes = { 'http.route': '/api/v1/items/{id}' };
  let stored = 0;
  const batch = db.transaction((from: number, to: number) => {
    for (let step = from; step < to; step++) {
      const timeUs = (firstMs + step * STEP_MS) * 1000;
      const groups: ScopeGroup<OtlpMetric>[] = resources.map((resource, s) => {
        // 10-40 requests an interval per service, spread over the buckets, slower at some hours.
        const b = buckets[s]!;
        for (let i = 0; i < b.length; i++) b[i]! += ((step + s * 7 + i * 3) % 5) + (i < 6 ? 4 : i < 10 ? 1 : 0);
        errors[s]! += (step + s) % 10 === 0 ? 1 : 0;
        const count = b.reduce((a, c) => a + c, 0);
        return {
          resource,
          scope,
          items: [
            {
              name: 'http.server.duration',
              unit: 'ms',
              type: 'histogram',
              temporality: 2,
              monotonic: false,
              points: [
                {
                  startUs,
                  timeUs,
                  attributes,
                  flags: 0,
                  count,
                  sum: count * 37.5,
                  distribution: { bounds: BOUNDS, counts: [...b] },
                  exemplars: [],
                },
              ],
            },
            {
              name: 'http.server.errors',
              unit: '{error}',
              type: 'sum',
              temporality: 2,
              monotonic: true,
              points: [{ startUs, timeUs, attributes, flags: 0, value: errors[s]!, exemplars: [] }],
            },
            {
              name: 'process.memory.usage',
              unit: 'By',
              type: 'gauge',
              temporality: 0,
              monotonic: false,
              points: [{ startUs: 0, timeUs, attributes: {}, flags: 0, value: 200e6 + ((step * 1013 + s * 7919) % 50e6), exemplars: [] }],
            },
          ],
        };
      });
      if (!kept || step >= steps) stored += writer.write(groups);
    }
  });
  for (let from = 0; from < steps; from += 500) batch(from, Math.min(steps, from + 500));
  let written = steps;
  return {
    points: stored,
    next: () => {
      batch(written, written + 1);
      return firstMs + written++ * STEP_MS;
    },
  };
}

const BUCKET = '{"http.server.duration_milliseconds_bucket"}';
const COUNT = '{"http.server.duration_milliseconds_count"}';
const SUM = '{"http.server.duration_milliseconds_sum"}';
const ERRORS = '{"http.server.errors_total"}';

/** A RED dashboard's six charts, split by service as the Metrics view's overview shows them. */
const DASHBOARD = [
  `sum by (service_name) (rate(${COUNT}[5m]))`,
  `sum by (service_name) (rate(${ERRORS}[5m])) / sum by (service_name) (rate(${COUNT}[5m]))`,
  `histogram_quantile(0.95, sum by (service_name, le) (rate(${BUCKET}[5m])))`,
  `histogram_quantile(0.5, sum by (service_name, le) (rate(${BUCKET}[5m])))`,
  `sum by (service_name) (rate(${SUM}[5m])) / sum by (service_name) (rate(${COUNT}[5m]))`,
  `max by (service_name) ({"process.memory.usage_bytes"})`,
];

/** Rows 2 and 3: the p95 latency query over 24 h (and 7 d) and the dashboard over 24 h. */
function queryRows(dir: string, quick: boolean): BenchRow[] {
  const days = quick ? 1 : 7;
  let endMs = Math.floor(Date.now() / STEP_MS) * STEP_MS;
  const keep = process.env.LOUPE_BENCH_METRICS_KEEP;
  const kept = keep && join(keep, `history-${days}d`);
  const isKept = Boolean(kept && existsSync(join(kept, 'meta.json')));
  if (kept && isKept) {
    endMs = (JSON.parse(readFileSync(join(kept, 'meta.json'), 'utf8')) as { endMs: number }).endMs;
    copyFileSync(join(kept, 'history.db'), join(dir, 'history.db'));
  }
  const db = openDatabase(join(dir, 'history.db'));
  const rows: BenchRow[] = [];
  try {
    let t0 = performance.now();
    const history = writeHistory(db, days, endMs, isKept);
    const writeMs = performance.now() - t0;
    if (kept && !isKept) {
      db.pragma('wal_checkpoint(TRUNCATE)');
      mkdirSync(kept, { recursive: true });
      copyFileSync(join(dir, 'history.db'), join(kept, 'history.db'));
      writeFileSync(join(kept, 'meta.json'), JSON.stringify({ endMs }));
    }
    rows.push({
      what: `history: ${days} d of 10 s points, ${SERVICES} services × (histogram, counter, gauge), written by MetricWriter`,
      value: isKept ? `kept in ${kept}` : `${history.points.toLocaleString('en')} points, ${perSecond(history.points, writeMs)}`,
      target: 'report',
    });
    const api = new PrometheusApi(new SqliteSeriesStore(db), () => endMs);
    const range = (query: string, rangeMs: number): number => {
      const data = api.queryRange({ query, start: (endMs - rangeMs) / 1000, end: endMs / 1000, step: rangeMs / STEPS / 1000 });
      if (data.resultType !== 'matrix' || data.result.length === 0) throw new Error(`benchMetrics: no result for ${query}`);
      return data.result.length;
    };
    // Each measured query follows new points, as in the live app: nothing read before is reused
    // (the store keeps rows read only while the database is unchanged), and the range moves on.
    const timeLive = (n: number, fn: () => void): number[] => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        endMs = history.next();
        out.push(...timeIt(1, fn));
      }
      return out;
    };
    const p95Query = `histogram_quantile(0.95, sum by (le) (rate(${BUCKET}[5m])))`;
    for (const rangeDays of quick ? [1] : [1, 7]) {
      const rangeMs = rangeDays * 86_400_000;
      const stepS = rangeMs / STEPS / 1000;
      const what = `query_range histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))), ${SERVICES} services, ${rangeDays === 1 ? '24 h' : '7 d'} range, ${STEPS} steps of ${stepS} s (${days} d stored; new points before each run)`;
      // A query over the engine's deadline is stopped (as the API would stop it): that is its figure.
      try {
        timeLive(1, () => range(p95Query, rangeMs)); // warm-up: the catalogue, statements and pages
      } catch (err) {
        if (!(err instanceof SearchTimeoutError)) throw err;
        rows.push({ what, value: err.message, target: 'p95 < 200 ms', ok: false });
        continue;
      }
      const t = timeLive(10, () => range(p95Query, rangeMs));
      const p95 = percentile(t, 95);
      rows.push({
        what,
        value: `p50 ${percentile(t, 50).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`,
        target: 'p95 < 200 ms',
        ok: p95 < 200,
      });
    }
    const refresh = (): void => {
      for (const q of DASHBOARD) range(q, 86_400_000);
    };
    timeLive(1, refresh); // warm-up
    const refreshes = timeLive(5, refresh);
    // Each chart alone (after new points: nothing shared with the other charts).
    const perChart = DASHBOARD.map((q) =>
      percentile(
        timeLive(3, () => range(q, 86_400_000)),
        50,
      ),
    );
    t0 = percentile(refreshes, 50);
    rows.push({
      what: `dashboard refresh: 6 RED charts by service over 24 h, ${STEPS} steps of ${86_400 / STEPS} s (${SERVICES} services; new points before each refresh)`,
      value: `median ${t0.toFixed(0)} ms, max ${Math.max(...refreshes).toFixed(0)} ms (each chart alone ${perChart.map((c) => c.toFixed(0)).join('/')} ms)`,
      target: '< 300 ms',
      ok: t0 < 300,
    });
  } finally {
    db.close();
  }
  return rows;
}

/** Row 4: many active series (1M; 10k in quick mode) (a counter per customer over 10 services, the last minute of 10 s points): RSS and one query. */
function activeSeriesRows(dir: string, quick: boolean): BenchRow[] {
  const series = quick ? 10_000 : 1_000_000;
  const endMs = Math.floor(Date.now() / STEP_MS) * STEP_MS;
  const db = openDatabase(join(dir, 'active.db'));
  try {
    const writer = new MetricWriter(db, new ResourceStore(db));
    const resources = Array.from({ length: 10 }, (_, s) => ({ attributes: { 'service.name': `svc-${s}` } }));
    const scope = { name: 'bench' };
    const batch = db.transaction((step: number, from: number, to: number) => {
      const timeUs = (endMs - (5 - step) * STEP_MS) * 1000;
      const groups: ScopeGroup<OtlpMetric>[] = resources.map((resource, s) => ({
        resource,
        scope,
        items: [
          {
            name: 'app.requests',
            type: 'sum',
            temporality: 2,
            monotonic: true,
            points: Array.from({ length: Math.ceil((to - from) / 10) }, (_, k) => ({
              startUs: (endMs - 3_600_000) * 1000,
              timeUs,
              attributes: { customer: `c${from + k * 10 + s}` },
              flags: 0,
              value: step * 3 + ((from + k) % 7),
              exemplars: [],
            })),
          },
        ],
      }));
      writer.write(groups);
    });
    for (let step = 0; step < 6; step++)
      for (let from = 0; from < series; from += 10_000) batch(step, from, Math.min(series, from + 10_000));
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const api = new PrometheusApi(new SqliteSeriesStore(db), () => endMs);
    // One customer's rate: the first call loads the catalogue.
    const one = `rate({"app.requests_total", customer="c${Math.floor(series / 2)}"}[5m])`;
    const first = timeIt(1, () => api.query({ query: one }))[0]!;
    const t = timeIt(5, () => api.query({ query: one }));
    const rssAfter = process.memoryUsage().rss;
    const rows: BenchRow[] = [
      {
        what: `${series.toLocaleString('en')} active series: RSS after loading the catalogue (+ growth)`,
        value: `${Math.round(rssAfter / 2 ** 20)} MB (+${Math.round((rssAfter - rssBefore) / 2 ** 20)} MB)`,
        target: 'report',
      },
      {
        what: `${series.toLocaleString('en')} active series: instant rate(x_total{customer="…"}[5m]) of one of them`,
        value: `first ${first.toFixed(0)} ms (catalogue load), then p50 ${percentile(t, 50).toFixed(0)} ms`,
        target: 'report',
      },
    ];
    // Every series at once: over the engine's deadline, the query is stopped (that is its figure).
    const all = `sum by (service_name) (rate({"app.requests_total"}[5m]))`;
    const what = `${series.toLocaleString('en')} active series: instant sum by (service_name) (rate(x_total[5m])) over all`;
    try {
      const t = timeIt(3, () => {
        const data = api.query({ query: all });
        if (data.resultType !== 'vector' || data.result.length !== 10)
          throw new Error(`benchMetrics: ${JSON.stringify(data).slice(0, 200)}`);
      });
      rows.push({ what, value: `p50 ${percentile(t, 50).toFixed(0)} ms`, target: 'report' });
    } catch (err) {
      if (!(err instanceof SearchTimeoutError)) throw err;
      rows.push({ what, value: err.message, target: 'report' });
    }
    return rows;
  } finally {
    db.close();
  }
}

export async function benchMetrics(quick: boolean): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-metrics-'));
  try {
    return [await ingestRow(dir, quick), ...queryRows(dir, quick), ...activeSeriesRows(dir, quick)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

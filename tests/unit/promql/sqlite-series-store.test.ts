// OTLP points in a real SQLite file, read back as Prometheus series: names with unit words and
// `_total`, UTF-8 names and labels kept, exponential histograms as `le` buckets (scales mixed),
// summaries, delta histograms added up, the "no recorded value" flag as staleness, and the
// series/labels/metadata answers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResult, instantQuery, rangeQuery } from '../../../electron/engine/signals/metrics/promql/index.js';
import { PrometheusApi } from '../../../electron/engine/signals/metrics/prometheus-api.js';
import { prometheusName } from '../../../electron/engine/signals/metrics/prometheus-names.js';
import { SqliteSeriesStore } from '../../../electron/engine/signals/metrics/sqlite-series-store.js';
import type { OtlpMetric, OtlpPoint } from '../../../electron/engine/core/telemetry.js';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { MetricWriter } from '../../../electron/engine/signals/metrics/metric-writer.js';
import { ResourceStore } from '../../../electron/engine/core/resource-store.js';

const T = 1_800_000_000; // seconds

function point(tS: number, rest: Partial<OtlpPoint>): OtlpPoint {
  return { startUs: T * 1e6, timeUs: tS * 1e6, attributes: {}, flags: 0, exemplars: [], ...rest };
}

function load(metrics: OtlpMetric[]): { store: SqliteSeriesStore; api: PrometheusApi } {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-series-')), 'loupe.db'));
  const writer = new MetricWriter(db, new ResourceStore(db));
  db.transaction(() =>
    writer.write([
      {
        resource: { attributes: { 'service.name': 'shop', 'service.namespace': 'prod', 'service.instance.id': 'pod-1' } },
        scope: { name: 't' },
        items: metrics,
      },
    ]),
  )();
  const store = new SqliteSeriesStore(db);
  return { store, api: new PrometheusApi(store, () => (T + 60) * 1000) };
}

/** `le` → value of an instant vector of buckets. */
function byLabel(store: SqliteSeriesStore, query: string, tS: number, label: string): Record<string, number> {
  const r = instantQuery(store, query, tS * 1000);
  if (r.resultType !== 'vector') throw new Error(r.resultType);
  return Object.fromEntries(r.samples.map((s) => [s.metric[label] ?? '', s.v]));
}

describe('Prometheus names of OTLP metrics', () => {
  it('adds the unit as a word, _total to a monotonic sum, _ratio to a gauge of unit 1, and never twice', () => {
    expect(prometheusName({ name: 'http.server.request.duration', type: 'histogram', unit: 's', monotonic: false })).toBe(
      'http.server.request.duration_seconds',
    );
    expect(prometheusName({ name: 'requests', type: 'sum', unit: '{request}', monotonic: true })).toBe('requests_total');
    expect(prometheusName({ name: 'requests_total', type: 'sum', unit: '1', monotonic: true })).toBe('requests_total');
    expect(prometheusName({ name: 'net.io', type: 'sum', unit: 'By/s', monotonic: true })).toBe('net.io_bytes_per_second_total');
    expect(prometheusName({ name: 'queue.depth', type: 'sum', unit: null, monotonic: false })).toBe('queue.depth');
    expect(prometheusName({ name: 'cpu.utilization', type: 'gauge', unit: '1', monotonic: false })).toBe('cpu.utilization_ratio');
    expect(prometheusName({ name: 'latency_seconds', type: 'histogram', unit: 's', monotonic: false })).toBe('latency_seconds');
  });
});

describe('the SQLite series store', () => {
  it('keeps UTF-8 names and attribute names, and puts the resource in job, instance and service_name', () => {
    const { store } = load([
      {
        name: 'http.server.request.duration',
        unit: 's',
        type: 'histogram',
        temporality: 2,
        monotonic: false,
        points: [
          point(T, { attributes: { 'http.route': '/x' }, count: 3, sum: 0.6, distribution: { bounds: [0.1, 1], counts: [1, 2, 0] } }),
        ],
      },
    ]);
    const r = formatResult(instantQuery(store, '{"http.server.request.duration_seconds_count", "http.route"="/x"}', T * 1000));
    expect(r).toEqual({
      resultType: 'vector',
      result: [
        {
          metric: {
            __name__: 'http.server.request.duration_seconds_count',
            'http.route': '/x',
            job: 'prod/shop',
            instance: 'pod-1',
            service_name: 'shop',
          },
          value: [T, '3'],
        },
      ],
    });
    expect(byLabel(store, '{"http.server.request.duration_seconds_bucket"}', T, 'le')).toEqual({ '0.1': 1, '1': 3, '+Inf': 3 });
  });

  it('turns exponential buckets into le bounds, merging a finer scale down to the coarsest of the window', () => {
    const { store } = load([
      {
        name: 'size',
        unit: 'By',
        type: 'exponential_histogram',
        temporality: 2,
        monotonic: false,
        points: [
          // Scale 0: buckets (1,2], (2,4], (4,8]; one zero.
          point(T, {
            count: 7,
            sum: 20,
            distribution: { scale: 0, zeroCount: 1, zeroThreshold: 0, positive: { offset: 0, counts: [1, 2, 3] } },
          }),
          // Scale 1 (base √2): six buckets from (1,√2] on, two per scale-0 bucket.
          point(T + 30, {
            count: 9,
            sum: 30,
            distribution: { scale: 1, zeroCount: 1, zeroThreshold: 0, positive: { offset: 0, counts: [1, 1, 1, 1, 2, 2] } },
          }),
        ],
      },
    ]);
    expect(byLabel(store, 'size_bytes_bucket', T, 'le')).toEqual({ '0': 1, '1': 1, '2': 2, '4': 4, '8': 7, '+Inf': 7 });
    expect(byLabel(store, 'size_bytes_bucket', T + 30, 'le')).toEqual({ '0': 1, '1': 1, '2': 3, '4': 5, '8': 9, '+Inf': 9 });
    // Rank 3.5 of 7 falls in (2,4], which holds 2 of them from 2 on: 2 + 2 × 1.5/2.
    expect(byLabel(store, 'histogram_quantile(0.5, size_bytes_bucket)', T, 'le')).toEqual({ '': 3.5 });
  });

  it('reads a summary as {quantile}, _sum and _count', () => {
    const { store } = load([
      {
        name: 'rpc.latency',
        unit: 'ms',
        type: 'summary',
        temporality: 0,
        monotonic: false,
        points: [
          point(T, {
            count: 4,
            sum: 10,
            distribution: {
              quantiles: [
                { quantile: 0.5, value: 2 },
                { quantile: 0.99, value: 9 },
              ],
            },
          }),
        ],
      },
    ]);
    expect(byLabel(store, '{"rpc.latency_milliseconds"}', T, 'quantile')).toEqual({ '0.5': 2, '0.99': 9 });
    expect(byLabel(store, '{__name__=~"rpc.latency_milliseconds_(sum|count)"}', T, '__name__')).toEqual({
      'rpc.latency_milliseconds_sum': 10,
      'rpc.latency_milliseconds_count': 4,
    });
  });

  it('adds up a delta histogram so that rate() sees a counter', () => {
    const delta = (tS: number, counts: number[]): OtlpPoint =>
      point(tS, { startUs: (tS - 10) * 1e6, count: counts.reduce((a, b) => a + b), sum: 1, distribution: { bounds: [1], counts } });
    const { store } = load([
      {
        name: 'work',
        unit: 's',
        type: 'histogram',
        temporality: 1,
        monotonic: false,
        points: [delta(T, [1, 1]), delta(T + 10, [2, 0]), delta(T + 20, [3, 1])],
      },
    ]);
    expect(byLabel(store, 'work_seconds_bucket', T + 20, 'le')).toEqual({ '1': 6, '+Inf': 8 });
    expect(byLabel(store, 'work_seconds_count', T + 20, '__name__')).toEqual({ work_seconds_count: 8 });
  });

  it('gives a series the same labels object from one select to the next (what keeps the engine label caches across evaluations)', () => {
    const { store } = load([
      {
        name: 'work',
        unit: 's',
        type: 'histogram',
        temporality: 2,
        monotonic: false,
        points: [T, T + 10, T + 20].map((tS, i) => point(tS, { count: 2 * i, sum: i, distribution: { bounds: [1], counts: [i, i] } })),
      },
    ]);
    const matchers = [{ name: '__name__', type: '=' as const, value: 'work_seconds_bucket' }];
    const first = store.select(matchers, (T - 60) * 1000, (T + 20) * 1000);
    const second = store.select(matchers, (T - 50) * 1000, (T + 20) * 1000);
    expect(first.map((s) => s.labels.le)).toEqual(['1', '+Inf']);
    expect(second.map((s) => s.labels)).toEqual(first.map((s) => s.labels));
    second.forEach((s, i) => expect(s.labels).toBe(first[i]!.labels));
  });

  it('keeps one series for the same attributes sent in another key order, by the same writer or after a restart', () => {
    const gauge = (tS: number, attributes: OtlpPoint['attributes']): OtlpMetric => ({
      name: 'queue.depth',
      type: 'gauge',
      temporality: 0,
      monotonic: false,
      points: [point(tS, { attributes, value: tS - T })],
    });
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-series-')), 'loupe.db'));
    const write = (writer: MetricWriter, metric: OtlpMetric): void => {
      db.transaction(() =>
        writer.write([{ resource: { attributes: { 'service.name': 'shop' } }, scope: { name: 't' }, items: [metric] }]),
      )();
    };
    const first = new MetricWriter(db, new ResourceStore(db));
    write(first, gauge(T, { queue: 'jobs', region: { zone: 'a', name: 'eu' } }));
    write(first, gauge(T + 10, { region: { name: 'eu', zone: 'a' }, queue: 'jobs' }));
    write(new MetricWriter(db, new ResourceStore(db)), gauge(T + 20, { region: { zone: 'a', name: 'eu' }, queue: 'jobs' }));
    write(first, gauge(T + 30, { queue: 'mail', region: { zone: 'a', name: 'eu' } }));
    const r = instantQuery(new SqliteSeriesStore(db), 'count_over_time({"queue.depth"}[1m])', (T + 30) * 1000);
    if (r.resultType !== 'vector') throw new Error(r.resultType);
    expect(Object.fromEntries(r.samples.map((s) => [s.metric.queue, s.v]))).toEqual({ jobs: 3, mail: 1 });
    // Stored once each (the store would merge equal label sets, so this is checked on the table).
    expect(db.prepare('SELECT count(*) FROM metric_series').pluck().get()).toBe(2);
  });

  it('ends a series at a point flagged "no recorded value", as a staleness marker does', () => {
    const { store } = load([
      { name: 'up', type: 'gauge', temporality: 0, monotonic: false, points: [point(T, { value: 1 }), point(T + 15, { flags: 1 })] },
    ]);
    const r = rangeQuery(store, 'up', T * 1000, (T + 30) * 1000, 10_000);
    expect(formatResult(r)).toMatchObject({
      result: [
        {
          values: [
            [T, '1'],
            [T + 10, '1'],
          ],
        },
      ],
    });
  });

  it('answers series, labels, label values and metadata from what is stored', () => {
    const { api } = load([
      {
        name: 'jobs',
        type: 'sum',
        temporality: 2,
        monotonic: true,
        description: 'Jobs done',
        points: [point(T, { attributes: { queue: 'a' }, value: 1 }), point(T, { attributes: { queue: 'b' }, value: 2 })],
      },
      { name: 'temperature', unit: 'Cel', type: 'gauge', temporality: 0, monotonic: false, points: [point(T, { value: 20 })] },
    ]);
    expect(api.series({ 'match[]': ['jobs_total{queue="b"}'] })).toEqual([
      { __name__: 'jobs_total', queue: 'b', job: 'prod/shop', instance: 'pod-1', service_name: 'shop' },
    ]);
    expect(api.labels({})).toEqual(['__name__', 'instance', 'job', 'queue', 'service_name']);
    expect(api.labelValues({ name: '__name__' })).toEqual(['jobs_total', 'temperature_celsius']);
    expect(api.labelValues({ name: 'queue', start: T + 1 })).toEqual([]);
    expect(api.metadata({})).toEqual({
      jobs_total: [{ type: 'counter', help: 'Jobs done', unit: '' }],
      temperature_celsius: [{ type: 'gauge', help: '', unit: 'celsius' }],
    });
    expect(() => api.series({ 'match[]': ['sum(jobs_total)'] })).toThrow(/not a series selector/);
  });

  it('selects one customer among many by label="value", series stored after that select included', () => {
    const customers = (from: number, to: number, value: number): OtlpMetric => ({
      name: 'requests',
      type: 'sum',
      temporality: 2,
      monotonic: true,
      points: Array.from({ length: to - from }, (_, i) => point(T, { attributes: { customer: `c${from + i}` }, value })),
    });
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-series-')), 'loupe.db'));
    const writer = new MetricWriter(db, new ResourceStore(db));
    const write = (items: OtlpMetric[]): number =>
      writer.write([{ resource: { attributes: { 'service.name': 'billing' } }, scope: { name: 't' }, items }]);
    write([customers(0, 5000, 1), { name: 'requests', type: 'sum', temporality: 2, monotonic: true, points: [point(T, { value: 7 })] }]);
    const store = new SqliteSeriesStore(db);
    const at = (q: string): Record<string, number> => byLabel(store, q, T, 'customer');
    expect(at('requests_total{customer="c4321"}')).toEqual({ c4321: 1 });
    expect(at('requests_total{customer="c4321", service_name="billing"}')).toEqual({ c4321: 1 });
    expect(at('requests_total{customer="c4321", service_name="shop"}')).toEqual({});
    expect(at('requests_total{customer="nobody"}')).toEqual({});
    // `=""` also selects a series without the label: the one without a customer.
    expect(at('requests_total{customer=""}')).toEqual({ '': 7 });
    // Customers that came after the first selects by customer are found too.
    write([customers(5000, 5010, 2)]);
    expect(at('requests_total{customer="c5003"}')).toEqual({ c5003: 2 });
    expect(at('sum(requests_total{customer=~"c500[0-9]"})')).toEqual({ '': 10 * 2 });
  });
});

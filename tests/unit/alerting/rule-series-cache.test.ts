// The rules' point cache (alerting/rules/series-cache.ts) answers every rule as the series store
// reading afresh would: a table of rule expressions evaluated every 15 s over a real SQLite store
// while points arrive between evaluations (through the engine's PointsSink, which says what it
// stored), with a counter reset, a staleness marker, a series that appears, a late point, delta
// sums and delta histograms, and points deleted by retention.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { EventBus } from '../../../electron/engine/core/events.js';
import { NO_RECORDED_VALUE, type OtlpMetric, type OtlpPoint } from '../../../electron/engine/core/telemetry.js';
import { RuleSeriesCache } from '../../../electron/engine/alerting/rules/series-cache.js';
import { MetricPruner } from '../../../electron/engine/signals/metrics/metric-pruner.js';
import { PointsSink } from '../../../electron/engine/signals/metrics/points-sink.js';
import { formatResult, instantQuery } from '../../../electron/engine/signals/metrics/promql/index.js';
import { SqliteSeriesStore } from '../../../electron/engine/signals/metrics/sqlite-series-store.js';

const T0 = 1_800_000_000_000; // ms
const BOUNDS = [10, 100];

/** Rule conditions of every shape the cache must answer like the store. */
const RULES = [
  'sum(rate({"requests_total"}[5m])) by (route)',
  'increase({"requests_total", route="/a"}[2m])',
  'rate({"requests_total"}[2m] offset 3m)',
  'resets({"requests_total"}[5m])',
  'histogram_quantile(0.9, sum by (le) (rate({"latency_milliseconds_bucket"}[5m])))',
  'rate({"latency_milliseconds_sum"}[5m]) / rate({"latency_milliseconds_count"}[5m]) > 0',
  '{"queue.depth"}',
  'max_over_time({"queue.depth"}[1m]) > 3',
  'count_over_time({"queue.depth"}[10m])',
  'absent({"queue.depth", route="/b"})',
  'rate({"jobs_total"}[5m])',
  'rate({"batch_milliseconds_count"}[5m])',
  'sum(rate({"batch_milliseconds_bucket"}[5m])) by (le)',
  'count by (__name__) ({__name__=~"requests_total|queue.depth"})',
  'sum by (customer) (count_over_time({"customer.requests_total"}[10m]))',
];

let dir: string;
let db: Db;
let events: EventBus;
let sink: PointsSink;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-rule-cache-'));
  db = openDatabase(join(dir, 'loupe.db'));
  events = new EventBus();
  sink = new PointsSink(db, events);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function point(tsMs: number, route: string, fields: Partial<OtlpPoint>): OtlpPoint {
  return { startUs: (T0 - 3_600_000) * 1000, timeUs: tsMs * 1000, attributes: { route }, flags: 0, exemplars: [], ...fields };
}

/** The points of step `i` (10 s apart, at `tsMs`): what a service exports. */
function stepMetrics(i: number, tsMs: number): OtlpMetric[] {
  const routes = i < 60 ? ['/a', '/b'] : ['/a', '/b', '/c']; // /c appears at step 60, while the rules run
  const requests: OtlpPoint[] = routes.map((r) =>
    // /a's counter restarts from 0 at step 12 (a process restart).
    point(tsMs, r, { value: r === '/a' && i >= 12 ? (i - 12) * 2 : i * (r.length + 3) }),
  );
  const latency: OtlpPoint[] = routes.map((r) => {
    const counts = [i, 2 * i, i % 4];
    const count = counts.reduce((a, c) => a + c, 0);
    return point(tsMs, r, { count, sum: count * 42, distribution: { bounds: BOUNDS, counts } });
  });
  // /b's gauge ends at step 15 with a staleness marker.
  const depth: OtlpPoint[] = routes
    .filter((r) => r !== '/b' || i <= 15)
    .map((r) => (r === '/b' && i === 15 ? point(tsMs, r, { flags: NO_RECORDED_VALUE }) : point(tsMs, r, { value: (i * 7) % 5 })));
  const jobs = [point(tsMs, '/a', { value: (i % 3) + 1 })];
  const batchCounts = [i % 2, 1, i % 3];
  const batch = [point(tsMs, '/a', { count: 2 + (i % 3), sum: 10 * i, distribution: { bounds: BOUNDS, counts: batchCounts } })];
  // One customer's counter, stored ahead only: a second one comes later, alone (see below).
  const customers = i < 40 ? [point(tsMs, '', { attributes: { customer: 'c1' }, value: i })] : [];
  return [
    { name: 'customer.requests', type: 'sum', temporality: 2, monotonic: true, points: customers },
    { name: 'requests', type: 'sum', temporality: 2, monotonic: true, points: requests },
    { name: 'latency', unit: 'ms', type: 'histogram', temporality: 2, monotonic: false, points: latency },
    { name: 'queue.depth', type: 'gauge', temporality: 0, monotonic: false, points: depth },
    { name: 'jobs', type: 'sum', temporality: 1, monotonic: true, points: jobs },
    { name: 'batch', unit: 'ms', type: 'histogram', temporality: 1, monotonic: false, points: batch },
  ];
}

function store(step: number): void {
  sink.write({ attributes: { 'service.name': 'shop' } }, 'test', stepMetrics(step, T0 + step * 10_000));
}

/** Each rule's answer at `tMs`, as formatResult shows it (NaN and staleness included). */
function answers(s: SqliteSeriesStore | RuleSeriesCache, tMs: number): unknown[] {
  return RULES.map((q) => formatResult(instantQuery(s, q, tMs)));
}

describe('the rules’ point cache', () => {
  it('answers every rule as the store reading afresh, while points arrive, a series appears, a late point and retention', () => {
    const cache = new RuleSeriesCache(new SqliteSeriesStore(db));
    events.on('points.stored', (e) => cache.stored(e.written));
    const pruner = new MetricPruner(db, () => cache.clear());
    // The first 400 s are stored ahead of the evaluations; then each step's points come when it is due.
    let written = 0;
    while (written < 40) store(written++);
    /** Per rule, the evaluations that found something (each rule must, for the comparison to say anything). */
    const found = RULES.map(() => 0);
    for (let evalStep = 0; evalStep < 60; evalStep++) {
      const t = T0 + 30_000 + evalStep * 15_000;
      while (written * 10_000 <= t - T0) store(written++);
      if (evalStep === 30) {
        // A late point: /a's queue depth 43 s ago, inside the windows the cache holds.
        sink.write({ attributes: { 'service.name': 'shop' } }, 'test', [
          {
            name: 'queue.depth',
            type: 'gauge',
            temporality: 0,
            monotonic: false,
            points: [point(t - 43_000, '/a', { value: 42 })],
          },
        ]);
      }
      if (evalStep === 40) {
        // A new series, written alone: no series the selector listed got a point.
        sink.write({ attributes: { 'service.name': 'shop' } }, 'test', [
          {
            name: 'customer.requests',
            type: 'sum',
            temporality: 2,
            monotonic: true,
            points: [point(t - 5_000, '', { attributes: { customer: 'c2' }, value: 7 })],
          },
        ]);
      }
      if (evalStep === 45) {
        // Retention: the points older than 2 minutes before now go (inside the 5-minute windows).
        while (pruner.pruneOlderThan((t - 120_000) * 1000) > 0);
      }
      const cached = answers(cache, t);
      expect(cached).toEqual(answers(new SqliteSeriesStore(db), t));
      cached.forEach((a, i) => {
        if ((a as { result: unknown[] }).result.length > 0) found[i]!++;
      });
    }
    expect(found.every((n) => n > 0)).toBe(true);
    // It was used: most selects were answered without reading everything again.
    expect(cache.stats.hits + cache.stats.partialReads).toBeGreaterThan(cache.stats.fullReads);
    // The delta histogram's selectors (summed from the first point read) are left to the store.
    expect(cache.stats.uncached).toBeGreaterThan(0);
  });

  it('reads nothing for a selector whose series got no points since', () => {
    for (let step = 0; step < 40; step++) store(step);
    const underlying = new SqliteSeriesStore(db);
    let selects = 0;
    const counting = Object.assign(Object.create(underlying) as SqliteSeriesStore, {
      select: (...args: Parameters<SqliteSeriesStore['select']>) => {
        selects++;
        return underlying.select(...args);
      },
    });
    const cache = new RuleSeriesCache(counting);
    events.on('points.stored', (e) => cache.stored(e.written));
    const q = 'sum(rate({"requests_total"}[5m])) by (route)';
    const first = formatResult(instantQuery(cache, q, T0 + 350_000));
    expect(selects).toBe(1);
    // Points of another metric only: no read at all, and the answer moves with the window.
    sink.write({ attributes: { 'service.name': 'shop' } }, 'test', [
      { name: 'other', type: 'gauge', temporality: 0, monotonic: false, points: [point(T0 + 360_000, '/a', { value: 1 })] },
    ]);
    const later = formatResult(instantQuery(cache, q, T0 + 365_000));
    expect(selects).toBe(1);
    expect(later).toEqual(formatResult(instantQuery(new SqliteSeriesStore(db), q, T0 + 365_000)));
    expect(later).not.toEqual(first);
    // A point of one of its series: one read, from that point on.
    store(40);
    expect(formatResult(instantQuery(cache, q, T0 + 400_000))).toEqual(
      formatResult(instantQuery(new SqliteSeriesStore(db), q, T0 + 400_000)),
    );
    expect(selects).toBe(2);
    expect(cache.stats.partialReads).toBe(1);
  });
});

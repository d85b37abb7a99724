// The range query's fast path (step-columns.ts: rate and its family, aggregations and
// histogram_quantile evaluated at all steps at once) against the plain evaluation, step by step,
// over the same SQLite store: counters and histograms with resets (mid-slot, on a minute's and an
// hour's edge), a service that stops for longer than the lookback and comes back, points flagged
// "no recorded value" (staleness markers), and steps that do not fall on the rollups' slots, so
// windows straddle them. The answers must be equal to the bit, and what the plain evaluation
// refuses the fast path refuses with the same message.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rangeQuery, type QueryResult } from '../../../electron/engine/signals/metrics/promql/index.js';
import { SqliteSeriesStore } from '../../../electron/engine/signals/metrics/sqlite-series-store.js';
import { MetricWriter } from '../../../electron/engine/signals/metrics/metric-writer.js';
import type { OtlpMetric, ScopeGroup } from '../../../electron/engine/core/telemetry.js';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { ResourceStore } from '../../../electron/engine/core/resource-store.js';

const STEP_S = 10;
const POINTS = 8640; // a day
const T0 = 1_800_000_000 - (1_800_000_000 % 3600); // seconds, on an hour
const END_MS = (T0 + (POINTS - 1) * STEP_S) * 1000;
const BOUNDS = [5, 10, 25, 50, 100, 250];
/** Resets (point indexes): mid-slot, on a minute's edge (i % 6 === 0), on an hour's (i % 360 === 0). */
const RESETS = new Set([1003, 2400, 4320, 6001]);
/** svc-1 sends nothing for these indexes (40 minutes: past the 5-minute lookback). */
const GAP: [number, number] = [3000, 3240];
/** svc-2's points flagged "no recorded value" (staleness markers), its series resuming after each. */
const STALE = new Set([1500, 5000, 5001, 7777]);

/** A fixed pseudo-random sequence (the answers are compared). */
function noise(i: number): number {
  return ((i * 2654435761) % 1000) / 1000;
}

function load(): SqliteSeriesStore {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-step-columns-')), 'loupe.db'));
  const writer = new MetricWriter(db, new ResourceStore(db));
  const services = ['svc-0', 'svc-1', 'svc-2'];
  const state = services.map(() => ({ total: 0, buckets: BOUNDS.map(() => 0).concat(0), startUs: T0 * 1e6 }));
  for (let from = 0; from < POINTS; from += 500) {
    const groups: ScopeGroup<OtlpMetric>[] = services.map((service, s) => {
      const counter: OtlpMetric = { name: 'jobs', type: 'sum', temporality: 2, monotonic: true, points: [] };
      const histogram: OtlpMetric = { name: 'latency', unit: 'ms', type: 'histogram', temporality: 2, monotonic: false, points: [] };
      const gauge: OtlpMetric = { name: 'queue.depth', type: 'gauge', temporality: 0, monotonic: false, points: [] };
      const st = state[s]!;
      for (let i = from; i < Math.min(POINTS, from + 500); i++) {
        if (s === 1 && i >= GAP[0] && i < GAP[1]) continue;
        const timeUs = (T0 + i * STEP_S) * 1e6 + s * 1000; // services a millisecond apart
        if (RESETS.has(i + s)) {
          st.total = 0;
          st.buckets = st.buckets.map(() => 0);
          st.startUs = timeUs - 1;
        }
        if (s === 2 && STALE.has(i)) {
          for (const m of [counter, gauge]) m.points.push({ startUs: st.startUs, timeUs, attributes: {}, flags: 1, exemplars: [] });
          continue;
        }
        const burst = i % 360 < 60 ? 40 : 3;
        st.total += Math.round(burst * noise(i + s) * 10);
        st.buckets = st.buckets.map((c, b) => c + Math.round(noise(i + b * 7 + s) * (b < 3 ? burst : 2)));
        const count = st.buckets.reduce((a, c) => a + c, 0);
        const base = { startUs: st.startUs, timeUs, attributes: {}, flags: 0, exemplars: [] };
        counter.points.push({ ...base, value: st.total });
        histogram.points.push({ ...base, count, sum: count * 20.5, distribution: { bounds: BOUNDS, counts: st.buckets } });
        gauge.points.push({ ...base, startUs: 0, value: Math.round(noise(i * 3 + s) * 100) });
      }
      return { resource: { attributes: { 'service.name': service } }, scope: { name: 't' }, items: [counter, histogram, gauge] };
    });
    db.transaction(() => writer.write(groups))();
  }
  return new SqliteSeriesStore(db);
}

const QUERIES = [
  'rate({"jobs_total"}[5m])',
  'increase({"jobs_total"}[7m] offset 3m)',
  'delta({"queue.depth"}[10m])',
  'sum(rate({"jobs_total"}[5m]))',
  'max by (service_name) (increase({"jobs_total"}[1h]))',
  'count without (le) (rate({"latency_milliseconds_bucket"}[5m]))',
  'min(rate({"latency_milliseconds_count"}[6m])) + group(rate({"jobs_total"}[5m]))',
  'histogram_quantile(0.95, sum by (le) (rate({"latency_milliseconds_bucket"}[5m])))',
  'histogram_quantile(0.5, sum by (service_name, le) (rate({"latency_milliseconds_bucket"}[10m])))',
  'histogram_quantile(0.9, rate({"latency_milliseconds_bucket"}[5m]))',
  'sum by (service_name) (rate({"latency_milliseconds_sum"}[5m])) / sum by (service_name) (rate({"latency_milliseconds_count"}[5m]))',
  'max by (service_name) ({"queue.depth"})',
  'sum({"queue.depth"} offset 2m)',
  'timestamp(({"queue.depth"}))',
  'avg by (service_name) (rate({"jobs_total"}[5m]))',
];

/** Range and step (ms) pairs: raw points, 1-minute rollups, 1-hour rollups, steps off the slots and windows apart. */
const RANGES: [rangeMs: number, stepMs: number, endOffsetMs: number][] = [
  [3_600_000, 30_000, 0],
  [86_400_000, 288_000, -7_777],
  [86_400_000, 97_000, -1],
  [86_400_000, 3_600_000, -123_456],
  [21_600_000, 61_500, 0],
];

function run(store: SqliteSeriesStore, query: string, rangeMs: number, stepMs: number, endMs: number, stepwise: boolean): QueryResult {
  return rangeQuery(store, query, endMs - rangeMs, endMs, stepMs, { stepwise });
}

describe('range queries evaluated at all steps at once', () => {
  const store = load();

  for (const [rangeMs, stepMs, endOffsetMs] of RANGES) {
    it(`give the step-by-step answers, to the bit: ${rangeMs / 3_600_000} h at ${stepMs / 1000} s steps`, () => {
      const endMs = END_MS + endOffsetMs;
      for (const query of QUERIES) {
        const plain = run(store, query, rangeMs, stepMs, endMs, true);
        const fast = run(store, query, rangeMs, stepMs, endMs, false);
        expect(plain.resultType).toBe('matrix');
        if (plain.resultType !== 'matrix' || fast.resultType !== 'matrix') continue;
        expect(plain.series.length, query).toBeGreaterThan(0);
        expect(
          fast.series.map((s) => s.metric),
          query,
        ).toEqual(plain.series.map((s) => s.metric));
        fast.series.forEach((s, k) => {
          const want = plain.series[k]!.points;
          // Object.is: equal bits up to NaN's payload (and +0/-0 told apart).
          const same = s.points.length === want.length && s.points.every((p, i) => p.t === want[i]!.t && Object.is(p.v, want[i]!.v));
          expect(same, `${query} ${JSON.stringify(s.metric)}`).toBe(true);
        });
      }
    });
  }

  it('a gap and staleness markers leave the same steps empty', () => {
    const fast = run(store, 'rate({"jobs_total"}[5m])', 86_400_000, 60_000, END_MS, false);
    if (fast.resultType !== 'matrix') throw new Error(fast.resultType);
    // svc-1 stops for 40 minutes: a whole day at 1-minute steps misses the steps without 2 samples.
    const svc1 = fast.series.find((s) => s.metric.service_name === 'svc-1')!;
    expect(svc1.points.length).toBeLessThan(1441 - 30);
    expect(svc1.points.length).toBeGreaterThan(1441 - 50);
  });

  it('refuses what the plain evaluation refuses, with its message', () => {
    // Two names, the same labels once names are dropped.
    const query = 'rate({__name__=~"jobs_total|latency_milliseconds_count"}[5m])';
    expect(() => run(store, query, 3_600_000, 60_000, END_MS, true)).toThrow('vector cannot contain metrics with the same labelset');
    expect(() => run(store, query, 3_600_000, 60_000, END_MS, false)).toThrow('vector cannot contain metrics with the same labelset');
  });
});

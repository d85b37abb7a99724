// What the metric store reads for long ranges, checked against what it reads without the engine's
// hints (every raw point of the window): rollups keep every counter reset, so increases summed
// over their samples are the raw ones exactly, and rate()/increase()/histogram_quantile() over
// days give the raw answers (the windows' edge points are read raw); reading only the windows of far-apart steps,
// and only the newest point of an instant selector's steps, give the raw answer exactly. Also:
// a writer restarted mid-slot, points written before migration 9 (JSON buckets), retention.
// All of it twice: points written straight into metric_points, and points logged as the OTLP
// ingest logs them, rolled up by the point log's folds (which keep the same samples).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  rangeQuery,
  type LabelMatcher,
  type SeriesStore,
  type StoredSeries,
} from '../../../electron/engine/signals/metrics/promql/index.js';
import type { SelectHints } from '../../../electron/engine/signals/metrics/promql/storage.js';
import { SqliteSeriesStore } from '../../../electron/engine/signals/metrics/sqlite-series-store.js';
import { MetricWriter } from '../../../electron/engine/signals/metrics/metric-writer.js';
import { MetricPruner } from '../../../electron/engine/signals/metrics/metric-pruner.js';
import { foldPointLog } from '../../../electron/engine/signals/metrics/point-log.js';
import { decodeChunk } from '../../../electron/engine/signals/metrics/rollup-chunks.js';
import type { PointRow } from '../../../electron/engine/signals/metrics/series-from-points.js';
import type { OtlpMetric } from '../../../electron/engine/core/telemetry.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { ResourceStore } from '../../../electron/engine/core/resource-store.js';

const STEP_S = 10;
const DAYS = 2;
const POINTS = (DAYS * 86_400) / STEP_S;
const T0 = 1_800_000_000 - (1_800_000_000 % 3600); // seconds, on an hour
const END_MS = (T0 + (POINTS - 1) * STEP_S) * 1000;
const BOUNDS = [5, 10, 25, 50, 100, 250];
/**
 * Resets at these point indexes: mid-slot ones whose counter climbs back past its old value within
 * the minute, one on a slot's edge, and one whose start time stays (the count alone goes down).
 */
const RESETS = new Set([4003, 9001, 12_006, 15_004]);
const SAME_START_RESET = 15_004;

/** A pseudo-random but fixed sequence (no Math.random: the answers are compared). */
function noise(i: number): number {
  return ((i * 2654435761) % 1000) / 1000;
}

/**
 * Points i in [from, to) of a counter (bursty increments, resets in RESETS, climbing fast right
 * after one) and a classic histogram doing the same, both cumulative.
 */
function metricsOf(from: number, to: number, state: { total: number; buckets: number[] }): OtlpMetric[] {
  const counter: OtlpMetric = { name: 'jobs', type: 'sum', temporality: 2, monotonic: true, points: [] };
  const histogram: OtlpMetric = { name: 'latency', unit: 'ms', type: 'histogram', temporality: 2, monotonic: false, points: [] };
  const gauge: OtlpMetric = { name: 'queue.depth', type: 'gauge', temporality: 0, monotonic: false, points: [] };
  let startUs = T0 * 1e6;
  for (let i = from; i < to; i++) {
    const timeUs = (T0 + i * STEP_S) * 1e6;
    if (RESETS.has(i)) {
      state.total = 0;
      state.buckets = state.buckets.map(() => 0);
      if (i !== SAME_START_RESET) startUs = timeUs - 1;
    }
    const burst = i % 360 < 60 ? 40 : 3;
    // After a reset the counter climbs back past its old value within a minute.
    const climb = [...RESETS].some((r) => i >= r && i < r + 6) ? 2e5 : 0;
    state.total += Math.round(burst * noise(i) * 10) + climb;
    state.buckets = state.buckets.map((c, b) => c + Math.round(noise(i + b * 7) * (b < 3 ? burst : 2)) + (climb ? 5000 : 0));
    counter.points.push({ startUs, timeUs, attributes: {}, flags: 0, exemplars: [], value: state.total });
    const count = state.buckets.reduce((a, c) => a + c, 0);
    histogram.points.push({
      startUs,
      timeUs,
      attributes: {},
      flags: 0,
      exemplars: [],
      count,
      sum: count * 20,
      distribution: { bounds: BOUNDS, counts: state.buckets },
    });
    gauge.points.push({ startUs: 0, timeUs, attributes: {}, flags: 0, exemplars: [], value: Math.round(noise(i) * 100) });
  }
  return [counter, histogram, gauge];
}

/** How points reach metric_points: written straight, or logged and folded (the OTLP ingest's way). */
type Path = 'straight' | 'logged';

/**
 * Writes points [from, to) in writes of 500 of each series; logged ones are folded every 7 writes
 * (mid-slot), the rest left logged. `resend`: each write sends the previous one's last points again
 * (a client's retry), in the same fold or the next.
 */
function write(db: Db, path: Path, from: number, to: number, state: { total: number; buckets: number[] }, resend = false): void {
  const writer = new MetricWriter(db, new ResourceStore(db), { log: path === 'logged' });
  const resource = { attributes: { 'service.name': 'worker' } };
  let previous: OtlpMetric[] = [];
  for (let i = from, writes = 1; i < to; i += 500, writes++) {
    const items = metricsOf(i, Math.min(to, i + 500), state);
    if (resend) {
      const again = previous.map((m) => m.points.at(-1)!);
      previous = items;
      items.forEach((m, at) => (m.points = [...(again[at] ? [again[at]] : []), ...m.points]));
    }
    db.transaction(() => writer.write([{ resource, scope: { name: 't' }, items }]))();
    if (path === 'logged' && writes % 7 === 0) foldPointLog(db);
  }
}

/**
 * Two days of points, written by one writer, or by a second one from `restartAt` on (a Loupe
 * restart mid-slot: logged points not folded yet are folded by the restarted one's connection).
 */
function load(path: Path, restartAt = POINTS, resend = false): { db: Db; store: SqliteSeriesStore } {
  const file = join(mkdtempSync(join(tmpdir(), 'loupe-rollups-')), 'loupe.db');
  let db = openDatabase(file);
  const state = { total: 0, buckets: BOUNDS.map(() => 0).concat(0) };
  write(db, path, 0, restartAt, state, resend);
  if (restartAt < POINTS) {
    db.close();
    db = openDatabase(file);
    write(db, path, restartAt, POINTS, state);
  }
  return { db, store: new SqliteSeriesStore(db) };
}

/** Every rollup chunk, by series name, resolution and start. */
function chunksOf(db: Db): unknown[] {
  foldPointLog(db);
  return db
    .prepare(
      'SELECT s.name, r.res, r.start_ts, r.end_ts, hex(r.samples) AS samples FROM metric_rollups r JOIN metric_series s ON s.id = r.series_id ORDER BY 1, 2, 3',
    )
    .all();
}

/** The same store without the engine's hints: every raw point of each window, as before rollups. */
function rawOnly(store: SeriesStore): SeriesStore {
  return { select: (matchers: readonly LabelMatcher[], startMs: number, endMs: number) => store.select(matchers, startMs, endMs) };
}

/** A range query's one series over [endMs - rangeMs, endMs] (by default the last point's time). */
function values(store: SeriesStore, query: string, rangeMs: number, stepMs: number, endMs = END_MS): Map<number, number> {
  const r = rangeQuery(store, query, endMs - rangeMs, endMs, stepMs);
  if (r.resultType !== 'matrix' || r.series.length !== 1) throw new Error(`${query}: ${r.resultType}`);
  return new Map(r.series[0]!.points.map((p) => [p.t, p.v]));
}

/** The increase over a counter's samples, resets counted as Prometheus counts them. */
function totalIncrease(s: StoredSeries): number {
  let total = 0;
  for (let i = 1; i < s.values.length; i++) {
    const [prev, v] = [s.values[i - 1]!, s.values[i]!];
    total += v >= prev ? v - prev : v;
  }
  return total;
}

const counterMatch: LabelMatcher[] = [{ type: '=', name: '__name__', value: 'jobs_total' }];
const rateHints = (rangeMs: number, stepMs: number): SelectHints => ({
  firstMs: END_MS - DAYS * 86_400_000,
  lastMs: END_MS,
  stepMs,
  rangeMs,
  instant: false,
  func: 'increase',
});

it("the point log's folds keep the same rollup samples as points written straight", () => {
  const logged = chunksOf(load('logged').db);
  expect(logged.length).toBeGreaterThan(50);
  expect(logged).toEqual(chunksOf(load('straight').db));
});

/** The times of every kept sample, as `name res ts`. */
function keptTimes(db: Db): Set<string> {
  const out = new Set<string>();
  for (const c of chunksOf(db) as { name: string; res: number; samples: string }[]) {
    const rows: PointRow[] = [];
    decodeChunk(Buffer.from(c.samples, 'hex'), rows, () => true);
    for (const r of rows) out.add(`${c.name} ${c.res} ${r.ts}`);
  }
  return out;
}

it('a restart with points in the log keeps every sample the straight writer keeps (the log rolled up from its points)', () => {
  const logged = keptTimes(load('logged', 9_003).db);
  const straight = keptTimes(load('straight', 9_003).db);
  expect([...straight].filter((k) => !logged.has(k))).toEqual([]);
});

it('points sent twice keep the same rollup samples through the point log as written straight', () => {
  expect(chunksOf(load('logged', POINTS, true).db)).toEqual(chunksOf(load('straight', POINTS, true).db));
});

describe.each(['straight', 'logged'] as const)('long ranges: rollups, and reading only what the steps need (%s)', (path) => {
  const { db, store } = load(path);

  it('rollups keep every reset: the increase over their samples is the raw one, from far fewer samples', () => {
    const start = END_MS - DAYS * 86_400_000;
    const [raw] = store.select(counterMatch, start, END_MS);
    for (const [rangeMs, stepMs] of [
      [600_000, 300_000], // 1-minute rollups
      [6 * 3_600_000, 3_600_000], // 1-hour rollups
    ] as const) {
      const [rolled] = store.select(counterMatch, start, END_MS, rateHints(rangeMs, stepMs));
      expect(rolled!.values.length).toBeLessThan(raw!.values.length / 5);
      expect(totalIncrease(rolled!)).toBe(totalIncrease(raw!));
    }
  });

  it('rate(), increase() and histogram_quantile() over two days give the raw answers (but where a series starts)', () => {
    for (const [query, windowMs, stepMs] of [
      ['rate(jobs_total[10m])', 600_000, 300_000],
      ['increase(jobs_total[1h])', 3_600_000, 600_000],
      ['increase(jobs_total[6h])', 6 * 3_600_000, 3_600_000],
      ['histogram_quantile(0.9, rate(latency_milliseconds_bucket[10m]))', 600_000, 300_000],
      ['rate(latency_milliseconds_count[30m])', 1_800_000, 900_000],
    ] as const) {
      // Steps in the middle of a slot: a window's first and last raw points are then not kept
      // points (on the last point's time, both would be).
      const endMs = END_MS - 25_000;
      const raw = values(rawOnly(store), query, DAYS * 86_400_000, stepMs, endMs);
      const rolled = values(store, query, DAYS * 86_400_000, stepMs, endMs);
      expect([...rolled.keys()], query).toEqual([...raw.keys()]);
      for (const [t, v] of rolled) {
        const want = raw.get(t)!;
        // A window holding the series' first point: rate() extrapolates to the window's start by
        // the average sample interval, which is a slot's rather than a scrape's.
        const tolerance = t - windowMs < T0 * 1000 ? 0.05 : 1e-9;
        expect(Math.abs(v - want), `${query} at ${t}`).toBeLessThanOrEqual(tolerance * Math.abs(want));
      }
    }
  });

  it('steps further apart than their window, and instant selectors, read less and answer exactly as raw', () => {
    for (const [query, stepMs] of [
      ['max_over_time({"queue.depth"}[1m])', 600_000],
      ['rate(jobs_total[1m])', 600_000],
      ['{"queue.depth"}', 300_000],
      ['sum({"queue.depth"}) + sum(jobs_total)', 3_600_000],
    ] as const) {
      expect(values(store, query, DAYS * 86_400_000, stepMs), query).toEqual(values(rawOnly(store), query, DAYS * 86_400_000, stepMs));
    }
    const gauge: LabelMatcher[] = [{ type: '=', name: '__name__', value: 'queue.depth' }];
    const start = END_MS - DAYS * 86_400_000;
    const [windows] = store.select(gauge, start, END_MS, { ...rateHints(60_000, 600_000), func: 'max_over_time' });
    const [newest] = store.select(gauge, start, END_MS, { ...rateHints(300_000, 300_000), instant: true });
    expect(windows!.values.length).toBeLessThan(POINTS / 5);
    expect(newest!.values.length).toBeLessThanOrEqual(DAYS * 288 + 1);
  });

  it("windows far apart read from rollups take each window's first and last raw points: the raw answers, resets mid-window too", () => {
    // The bench's chart: 5-minute windows ≥ 5 slots, so rollups; steps of 2,016 s, further apart
    // than the windows, so only the windows are read. Each end time puts a reset inside the last
    // window, and the windows' edges mid-slot (3 s past a 10-second point, 0:23 into a minute).
    for (const reset of RESETS) {
      const endMs = (T0 + reset * STEP_S + 143) * 1000 + 3_000;
      const rangeMs = Math.min(86_400_000, endMs - T0 * 1000 - 600_000);
      for (const query of [
        'rate(jobs_total[5m])',
        'increase(latency_milliseconds_count[5m])',
        'histogram_quantile(0.9, rate(latency_milliseconds_bucket[5m]))',
      ]) {
        const raw = values(rawOnly(store), query, rangeMs, 2_016_000, endMs);
        expect(raw.size, query).toBeGreaterThan(10);
        expect(values(store, query, rangeMs, 2_016_000, endMs), `${query}, reset ${reset}`).toEqual(raw);
      }
    }
  });

  it('a writer restarted in the middle of a slot leaves the rollups right', () => {
    const restarted = load(path, 9_003).store;
    const start = END_MS - DAYS * 86_400_000;
    const [raw] = restarted.select(counterMatch, start, END_MS);
    const [rolled] = restarted.select(counterMatch, start, END_MS, rateHints(600_000, 300_000));
    expect(totalIncrease(rolled!)).toBe(totalIncrease(raw!));
    const query = 'increase(jobs_total[1h])';
    expect(values(restarted, query, DAYS * 86_400_000, 600_000)).toEqual(values(store, query, DAYS * 86_400_000, 600_000));
  });

  it('reads histogram points written before migration 9, their buckets as JSON', () => {
    const seriesId = db.prepare("SELECT id FROM metric_series WHERE name = 'latency'").pluck().get() as number;
    const t = END_MS + 10_000;
    db.prepare('INSERT INTO metric_points (series_id, start_us, ts, count, sum, distribution, flags) VALUES (?, ?, ?, ?, ?, ?, 0)').run(
      seriesId,
      T0 * 1e6,
      t * 1000,
      6,
      60,
      JSON.stringify({ bounds: BOUNDS, counts: [1, 2, 0, 0, 0, 3, 0] }),
    );
    const buckets = store.select([{ type: '=', name: '__name__', value: 'latency_milliseconds_bucket' }], t, t);
    const byLe = Object.fromEntries(buckets.map((s) => [s.labels.le, s.values[0]]));
    expect(byLe).toEqual({ '5': 1, '10': 3, '25': 3, '50': 3, '100': 3, '250': 6, '+Inf': 6 });
  });

  it('retention removes the rollups older than the points it keeps', () => {
    const { db: pruned, store: prunedStore } = load(path);
    const cutoffUs = (END_MS - 86_400_000) * 1000;
    const pruner = new MetricPruner(pruned);
    while (pruner.pruneOlderThan(cutoffUs) > 0);
    expect(pruned.prepare('SELECT count(*) FROM metric_rollups WHERE end_ts < ?').pluck().get(cutoffUs)).toBe(0);
    expect(pruned.prepare('SELECT count(*) FROM metric_rollups').pluck().get()).toBeGreaterThan(0);
    const query = 'increase(jobs_total[1h])';
    expect(values(prunedStore, query, 43_200_000, 600_000)).toEqual(values(store, query, 43_200_000, 600_000));
  });
});

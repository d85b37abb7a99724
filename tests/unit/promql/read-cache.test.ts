// The series store keeps what it read while the database is unchanged, so queries asked together
// (a dashboard's charts) read a stored series once: the answers are those of a store that reads
// everything afresh, and any write, by this connection or another, is seen by the next query.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatResult, rangeQuery } from '../../../electron/engine/signals/metrics/promql/index.js';
import { SqliteSeriesStore } from '../../../electron/engine/signals/metrics/sqlite-series-store.js';
import { MetricWriter } from '../../../electron/engine/signals/metrics/metric-writer.js';
import { ResourceStore } from '../../../electron/engine/core/resource-store.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import type { OtlpMetric } from '../../../electron/engine/core/telemetry.js';

const T = 1_800_000_000 - (1_800_000_000 % 3600); // seconds, on an hour
const BOUNDS = [10, 100];

/** A request counter and a latency histogram, a point every 10 s for seconds [from, to) after T. */
function metrics(from: number, to: number): OtlpMetric[] {
  const counter: OtlpMetric = { name: 'requests', type: 'sum', temporality: 2, monotonic: true, points: [] };
  const histogram: OtlpMetric = { name: 'latency', unit: 'ms', type: 'histogram', temporality: 2, monotonic: false, points: [] };
  for (let s = from; s < to; s += 10) {
    const base = { startUs: T * 1e6, timeUs: (T + s) * 1e6, attributes: { route: '/a' }, flags: 0, exemplars: [] };
    const n = s / 10;
    counter.points.push({ ...base, value: n * 3 });
    const counts = [n, 2 * n, n % 7];
    const count = counts.reduce((a, c) => a + c, 0);
    histogram.points.push({ ...base, count, sum: count * 42, distribution: { bounds: BOUNDS, counts } });
  }
  return [counter, histogram];
}

function write(db: Db, from: number, to: number): void {
  const writer = new MetricWriter(db, new ResourceStore(db));
  db.transaction(() =>
    writer.write([{ resource: { attributes: { 'service.name': 'shop' } }, scope: { name: 't' }, items: metrics(from, to) }]),
  )();
}

/** A dashboard's queries: the histogram's _count, _sum and _bucket share one stored series. */
const QUERIES = [
  'rate({"latency_milliseconds_count"}[5m])',
  'rate({"latency_milliseconds_sum"}[5m]) / rate({"latency_milliseconds_count"}[5m])',
  'histogram_quantile(0.9, sum by (le) (rate({"latency_milliseconds_bucket"}[5m])))',
  'rate({"requests_total"}[5m])',
];

/** Every query over [T + 600 s, T + 4 h] at 5-minute steps (rollups read), each asked of `storeOf()`. */
function answers(storeOf: () => SqliteSeriesStore): unknown[] {
  return QUERIES.map((q) => formatResult(rangeQuery(storeOf(), q, (T + 600) * 1000, (T + 4 * 3600) * 1000, 300_000)));
}

/** The answers of stores that share nothing: one per query. */
function afresh(): unknown[] {
  return answers(() => new SqliteSeriesStore(db));
}

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-read-cache-'));
  db = openDatabase(join(dir, 'loupe.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reads shared by queries asked together', () => {
  it('answers as a store reading afresh, each query after the others', () => {
    write(db, 0, 2 * 3600);
    const shared = new SqliteSeriesStore(db);
    const first = answers(() => shared);
    expect(answers(() => shared)).toEqual(first);
    expect(afresh()).toEqual(first);
    expect((first[2] as { result: unknown[] }).result).toHaveLength(1);
  });

  it('sees points written after a query, by the same connection', () => {
    write(db, 0, 2 * 3600);
    const store = new SqliteSeriesStore(db);
    const before = answers(() => store);
    write(db, 2 * 3600, 3 * 3600);
    const after = answers(() => store);
    expect(after).not.toEqual(before);
    expect(after).toEqual(afresh());
  });

  it('answers as afresh when a refresh reads the _count with the buckets a previous refresh asked', () => {
    write(db, 0, 2 * 3600);
    const store = new SqliteSeriesStore(db);
    answers(() => store);
    write(db, 2 * 3600, 3 * 3600);
    // The _count chart comes first: its read now brings the buckets too, which the p90 chart reuses.
    expect(answers(() => store)).toEqual(afresh());
  });

  it('sees points another connection wrote after a query', () => {
    write(db, 0, 2 * 3600);
    const store = new SqliteSeriesStore(db);
    const before = answers(() => store);
    const other = openDatabase(join(dir, 'loupe.db'));
    try {
      write(other, 2 * 3600, 3 * 3600);
    } finally {
      other.close();
    }
    const after = answers(() => store);
    expect(after).not.toEqual(before);
    expect(after).toEqual(afresh());
  });
});

// The statements that read the points of one stored series (metric_points by its (series_id, ts)
// index), for a read plan's cases: a time range, only the points inside the steps' windows, the
// newest point of each step's window, each window's first and last points. Rows come back as
// arrays (far cheaper than better-sqlite3's row objects) and are made into PointRows here.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../core/database.js';
import type { Steps } from './read-plan.js';
import type { PointRow } from './series-from-points.js';

/** The columns of PointRow, as metric_points has them (the bucket counts as hex: see decodeCounts). */
export const POINT_COLUMNS = 'ts, value, int_value, count, sum, distribution, bounds_id, hex(bucket_counts) AS bucket_counts, flags';
/** The same without the distributions (for `_sum`, `_count` and plain values). */
export const NUMBER_COLUMNS = 'ts, value, int_value, count, sum, NULL AS distribution, NULL AS bounds_id, NULL AS bucket_counts, flags';

/**
 * The statements that read points of one series, for some columns (PointRow's, some maybe NULL),
 * as arrays in POINT_COLUMNS's order (pointRows makes the rows).
 */
export interface PointReads {
  readonly points: Statement;
  readonly pointsInGrid: Statement;
  readonly newestPerStep: Statement;
  readonly edgesPerStep: Statement;
}

export function pointReads(db: Db, columns: string): PointReads {
  const steps = 'WITH RECURSIVE steps(t) AS (SELECT @first UNION ALL SELECT t + @step FROM steps WHERE t + @step <= @last)';
  const inWindow = 'series_id = @id AND ts BETWEEN (steps.t - @range) * 1000 AND steps.t * 1000 + 999';
  const p = columns.replace(/(?<!AS )\b(ts|value|int_value|count|sum|distribution|bounds_id|bucket_counts|flags)\b/g, 'p.$1');
  return {
    points: db.prepare(`SELECT ${columns} FROM metric_points WHERE series_id = ? AND ts BETWEEN ? AND ? ORDER BY ts`).raw(),
    // A point is in a window of the steps when its ms lie at most the range before a step's time.
    pointsInGrid: db
      .prepare(`SELECT ${columns} FROM metric_points WHERE series_id = ? AND ts BETWEEN ? AND ? AND (? - ts / 1000) % ? <= ? ORDER BY ts`)
      .raw(),
    newestPerStep: db
      .prepare(
        `${steps} SELECT DISTINCT ${p} FROM steps JOIN metric_points p ON p.id = (
         SELECT id FROM metric_points WHERE ${inWindow} ORDER BY ts DESC LIMIT 1
       ) ORDER BY p.ts`,
      )
      .raw(),
    // The oldest and newest point of each step's window, each point once (IN keeps each id once:
    // windows overlap, and rows are what costs), in id order: the caller sorts them by time, which
    // costs less than SQLite's sorter copying every row.
    edgesPerStep: db
      .prepare(
        `SELECT ${columns} FROM metric_points WHERE id IN (
         ${steps} SELECT (SELECT id FROM metric_points WHERE ${inWindow} ORDER BY ts LIMIT 1) FROM steps
         UNION ALL SELECT (SELECT id FROM metric_points WHERE ${inWindow} ORDER BY ts DESC LIMIT 1) FROM steps
       )`,
      )
      .raw(),
  };
}

/**
 * Rows from a point read's arrays: better-sqlite3 makes an object per row far slower than an array
 * (over a dashboard's rollup reads, most of the time went there), the same object made here is cheap.
 */
export function pointRows(arrays: unknown[]): PointRow[] {
  return (arrays as PointColumns[]).map(([ts, value, int_value, count, sum, distribution, bounds_id, bucket_counts, flags]) => ({
    ts,
    value,
    int_value,
    count,
    sum,
    distribution,
    bounds_id,
    bucket_counts,
    flags,
  }));
}

/** A PointRow as its columns' values, in POINT_COLUMNS's order. */
export type PointColumns = [
  number,
  number | null,
  number | null,
  number | null,
  number | null,
  string | null,
  number | null,
  string | null,
  number,
];

/** Rows of several reads, each in time order, merged into one, a point read twice kept once. */
export function inTimeOrder(parts: PointRow[][]): PointRow[] {
  const out: PointRow[] = [];
  const at = parts.map(() => 0);
  for (;;) {
    let next = -1;
    for (let i = 0; i < parts.length; i++) {
      const r = parts[i]![at[i]!];
      if (r && (next < 0 || r.ts < parts[next]![at[next]!]!.ts)) next = i;
    }
    if (next < 0) return out;
    const r = parts[next]![at[next]!++]!;
    if (out.length === 0 || out[out.length - 1]!.ts !== r.ts) out.push(r);
  }
}

/** What the SQL's inGrid says: the point's ms lie at most rangeMs before a time of the grid. */
export function inGridWindow(us: number, grid: Steps): boolean {
  return (grid.last - Math.trunc(us / 1000)) % grid.step <= grid.range;
}

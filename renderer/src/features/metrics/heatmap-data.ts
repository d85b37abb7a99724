// A histogram's buckets over time as heatmap cells: the answer of `sum by (le) (rate(x_bucket[…]))`
// (cumulative per `le`) turned into observations per second in each bucket at each step. Rows are
// bounded: with more buckets than MAX_HEATMAP_ROWS (an exponential histogram has hundreds), every
// k-th bound is kept, which merges neighbours exactly since the counts are cumulative. Rows no
// observation fell in at the edges are left out, so the rows drawn are the ones that say something.
import type { PromQueryData } from '../../../../shared/model.js';

export const MAX_HEATMAP_ROWS = 40;

export interface Heatmap {
  /** Each row's bounds: (lower, upper], the last upper +Inf. */
  rows: { lower: number; upper: number }[];
  /** Each column's time (ms): the end of the step its rate was taken over. */
  times: number[];
  /** Observations per second, `values[row][column]`; null where the step has no data. */
  values: (number | null)[][];
  /** The largest value (the colour scale's top). */
  max: number;
}

/** The heatmap of one `sum by (le)` matrix, or null when it has no buckets. */
export function heatmapOf(data: PromQueryData, maxRows = MAX_HEATMAP_ROWS): Heatmap | null {
  if (data.resultType !== 'matrix') return null;
  const buckets = data.result
    .map((s) => ({ le: Number(s.metric.le), values: new Map(s.values.map(([t, v]) => [Math.round(t * 1000), Number(v)])) }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  if (buckets.length === 0) return null;
  // Every k-th bound, always the last (+Inf): merged neighbours, at most maxRows rows.
  const k = Math.ceil(buckets.length / maxRows);
  const kept = buckets.filter((_, i) => (buckets.length - 1 - i) % k === 0);
  const times = [...new Set(buckets.flatMap((b) => [...b.values.keys()]))].sort((a, b) => a - b);
  const values = kept.map((b, row) =>
    times.map((t) => {
      const upper = b.values.get(t);
      if (upper === undefined || !Number.isFinite(upper)) return null;
      const below = row > 0 ? (kept[row - 1]?.values.get(t) ?? 0) : 0;
      // Cumulative counts never decrease with `le`; a rounding step under zero is zero.
      return Math.max(0, upper - (Number.isFinite(below) ? below : 0));
    }),
  );
  const used = values.map((row) => row.some((v) => v !== null && v > 0));
  const first = used.indexOf(true);
  const last = used.lastIndexOf(true);
  if (first < 0) return { rows: [], times, values: [], max: 0 };
  const rows = kept.map((b, i) => ({ lower: i > 0 ? (kept[i - 1]?.le ?? -Infinity) : -Infinity, upper: b.le }));
  const shown = values.slice(first, last + 1);
  const max = Math.max(...shown.flatMap((row) => row.map((v) => v ?? 0)));
  return { rows: rows.slice(first, last + 1), times, values: shown, max };
}

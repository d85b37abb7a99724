// Prometheus series built from the stored points of one OTLP series, as the series store reads
// them: a value series, a histogram's cumulative `_bucket{le}` series (classic buckets from their
// compact form, exponential ones turned into `le` bounds), a summary's `{quantile}` series; and
// several stored series of one label set merged in time order.
import { NO_RECORDED_VALUE } from '../../core/telemetry.js';
import { formatValue, STALE_NAN, type Labels, type StoredSeries } from './promql/index.js';
import { BoundSets, decodeCounts, type BoundSet } from './bucket-codec.js';

/** A stored point as the series are built from it. */
export interface PointRow {
  ts: number;
  value: number | null;
  int_value: number | null;
  count: number | null;
  sum: number | null;
  distribution: string | null;
  /** A classic histogram's buckets in the form of bucket-codec.ts (rows since migration 9): the bytes, or their hex(). */
  bounds_id: number | null;
  bucket_counts: Uint8Array | string | null;
  flags: number;
}

interface ExplicitDistribution {
  bounds?: number[];
  counts?: number[];
  quantiles?: { quantile: number; value: number }[];
}

interface ExpoBuckets {
  offset: number;
  counts: number[];
}

interface ExpoDistribution {
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive?: ExpoBuckets;
  negative?: ExpoBuckets;
}

/**
 * Samples of one output series being built, appended in time order. Float64Arrays, not arrays:
 * V8 rewrites every NaN kept in a plain array of numbers to one canonical NaN, which would erase
 * the staleness marker's payload.
 */
export class SeriesBuilder {
  private ts: Float64Array;
  private vs: Float64Array;
  length = 0;
  constructor(
    readonly labels: Labels,
    /** The samples expected (the rows read): no growing copies on the way. */
    capacity = 8,
  ) {
    this.ts = new Float64Array(Math.max(capacity, 1));
    this.vs = new Float64Array(Math.max(capacity, 1));
  }

  /** A series built already (its arrays are kept, not copied: they may be shared with other series). */
  static of(labels: Labels, timestamps: Float64Array, values: Float64Array): SeriesBuilder {
    const s = new SeriesBuilder(labels, 0);
    s.ts = timestamps;
    s.vs = values;
    s.length = timestamps.length;
    return s;
  }

  /** Two points in the same millisecond: the later one wins (Prometheus keeps one sample per ms). */
  add(t: number, v: number): void {
    const n = this.length;
    if (n > 0 && this.ts[n - 1] === t) {
      this.vs[n - 1] = v;
      return;
    }
    if (n === this.ts.length) {
      const ts = new Float64Array(n * 2);
      const vs = new Float64Array(n * 2);
      ts.set(this.ts);
      vs.set(this.vs);
      [this.ts, this.vs] = [ts, vs];
    }
    this.ts[n] = t;
    this.vs[n] = v;
    this.length++;
  }

  get timestamps(): Float64Array {
    return this.ts.subarray(0, this.length);
  }

  get values(): Float64Array {
    return this.vs.subarray(0, this.length);
  }
}

export function msOf(us: number): number {
  return Math.floor(us / 1000);
}

/** Series of one label set from several stored series (a name two scopes share): samples in time order. */
export function merged(builders: SeriesBuilder[]): StoredSeries {
  const only = builders.length === 1 ? builders[0]! : null;
  if (only) return { labels: only.labels, timestamps: only.timestamps, values: only.values };
  // Sorted by index, so the values never leave their Float64Arrays (see SeriesBuilder).
  const all: { b: SeriesBuilder; i: number; t: number }[] = [];
  for (const b of builders) for (let i = 0; i < b.length; i++) all.push({ b, i, t: b.timestamps[i]! });
  all.sort((x, y) => x.t - y.t);
  const out = new SeriesBuilder(builders[0]!.labels);
  for (const p of all) out.add(p.t, p.b.values[p.i]!);
  return { labels: out.labels, timestamps: out.timestamps, values: out.values };
}

/** One series per `le` of the key; every point gives each of them a sample (missing: staleness). */
function bySeriesKey(base: Labels, label: string, capacity: number): (key: string) => SeriesBuilder {
  const series = new Map<string, SeriesBuilder>();
  return (key) => {
    let s = series.get(key);
    if (!s) series.set(key, (s = new SeriesBuilder({ ...base, [label]: key }, capacity)));
    return s;
  };
}

export function quantileSeries(base: Labels, rows: readonly PointRow[]): SeriesBuilder[] {
  const series = bySeriesKey(base, 'quantile', rows.length);
  const seen = new Set<SeriesBuilder>();
  for (const r of rows) {
    const t = msOf(r.ts);
    const d = r.distribution ? (JSON.parse(r.distribution) as ExplicitDistribution) : {};
    for (const q of d.quantiles ?? []) {
      const s = series(formatValue(q.quantile));
      seen.add(s);
      s.add(t, r.flags & NO_RECORDED_VALUE ? STALE_NAN : q.value);
    }
  }
  return [...seen];
}

/**
 * Classic buckets: OTLP's per-bucket counts summed into Prometheus's cumulative `le` counts. A
 * row has them in the compact form (its bound set's `le`s computed once) or, written before
 * migration 9, as JSON.
 */
export function bucketSeries(base: Labels, rows: readonly PointRow[], delta: boolean, boundSets: BoundSets): SeriesBuilder[] {
  const boundsId = rows[0]?.bounds_id ?? null;
  if (boundsId !== null && rows.every((r) => r.bounds_id === boundsId && r.bucket_counts)) {
    return oneBoundSetSeries(base, rows, delta, boundSets.get(boundsId));
  }
  const series = bySeriesKey(base, 'le', rows.length);
  const seen = new Set<SeriesBuilder>();
  let totals: number[] = [];
  let totalBounds = '';
  // The builders of the last bound set met, by bucket: points of a series share one set.
  let setBuilders: SeriesBuilder[] = [];
  let setKey = '';
  let counts: number[] = [];
  let lastSet: BoundSet | null = null;
  for (const r of rows) {
    const t = msOf(r.ts);
    let set: BoundSet | null = null;
    let bounds: readonly number[];
    let n: number;
    if (r.bucket_counts && r.bounds_id !== null) {
      set = boundSets.get(r.bounds_id);
      bounds = set.bounds;
      n = decodeCounts(r.bucket_counts, counts);
    } else {
      const d = r.distribution ? (JSON.parse(r.distribution) as ExplicitDistribution) : {};
      bounds = d.bounds ?? [];
      counts = d.counts ?? [];
      n = counts.length;
    }
    const key = set ? (set === lastSet ? setKey : `#${set.id}`) : bounds.join(',');
    lastSet = set;
    if (key !== setKey) {
      const les = set ? set.les : [...bounds, Infinity].map(formatValue);
      setBuilders = les.map((le) => series(le));
      for (const s of setBuilders) seen.add(s);
      setKey = key;
    }
    if (r.flags & NO_RECORDED_VALUE) {
      for (const s of setBuilders) s.add(t, STALE_NAN);
      continue;
    }
    // Deltas add up while the bounds stay the same; new bounds start a new count.
    if (delta && key !== totalBounds) {
      totals = new Array<number>(bounds.length + 1).fill(0);
      totalBounds = key;
    }
    let cumulative = 0;
    for (let i = 0; i <= bounds.length; i++) {
      cumulative += i < n ? counts[i]! : 0;
      setBuilders[i]!.add(t, delta ? (totals[i] = totals[i]! + cumulative) : cumulative);
    }
  }
  return [...seen];
}

/**
 * bucketSeries when every row has its buckets in the compact form of one bound set (the usual
 * case): each row gives every `le` a sample at the same time, so the `le` series share one array
 * of timestamps and their values are written in place, without a SeriesBuilder.add per bucket and
 * row (over a week of a histogram's rollups, most of the building went there).
 */
function oneBoundSetSeries(base: Labels, rows: readonly PointRow[], delta: boolean, set: BoundSet): SeriesBuilder[] {
  const les = set.les;
  const timestamps = new Float64Array(rows.length);
  const values = les.map(() => new Float64Array(rows.length));
  const totals = new Float64Array(les.length);
  const counts: number[] = [];
  let length = 0;
  for (const r of rows) {
    const t = msOf(r.ts);
    // Two points in the same millisecond: the later one wins, as in SeriesBuilder.add.
    const at = length > 0 && timestamps[length - 1] === t ? length - 1 : length++;
    timestamps[at] = t;
    if (r.flags & NO_RECORDED_VALUE) {
      for (const v of values) v[at] = STALE_NAN;
      continue;
    }
    const n = decodeCounts(r.bucket_counts!, counts);
    let cumulative = 0;
    for (let i = 0; i < values.length; i++) {
      cumulative += i < n ? counts[i]! : 0;
      values[i]![at] = delta ? (totals[i] = totals[i]! + cumulative) : cumulative;
    }
  }
  const shared = timestamps.subarray(0, length);
  return les.map((le, i) => SeriesBuilder.of({ ...base, le }, shared, values[i]!.subarray(0, length)));
}

/**
 * Exponential buckets as classic ones, at the coarsest scale the window's points use (finer points
 * are merged down, which is exact). Bucket i holds (base^i, base^(i+1)] with base = 2^(2^-scale);
 * its upper bound becomes an `le`. Negative buckets come first, the zero bucket's `le` is its
 * threshold. histogram_quantile then interpolates linearly inside a bucket, as for classic
 * buckets: an approximation (Prometheus's native histograms interpolate exponentially).
 */
export function expoBucketSeries(base: Labels, rows: readonly PointRow[], delta: boolean): SeriesBuilder[] {
  const points = rows.map((r) => ({
    t: msOf(r.ts),
    stale: (r.flags & NO_RECORDED_VALUE) !== 0,
    d: r.distribution ? (JSON.parse(r.distribution) as ExpoDistribution) : null,
  }));
  let scale = Infinity;
  for (const p of points) if (p.d) scale = Math.min(scale, p.d.scale);
  if (scale === Infinity) return [];
  // Every point's buckets at the common scale, by bucket index.
  const down = (b: ExpoBuckets | undefined, from: number): Map<number, number> => {
    const out = new Map<number, number>();
    if (!b) return out;
    const shift = from - scale;
    b.counts.forEach((c, i) => {
      const idx = Math.floor((b.offset + i) / 2 ** shift);
      out.set(idx, (out.get(idx) ?? 0) + c);
    });
    return out;
  };
  const normalized = points.map((p) => (p.d ? { ...p, pos: down(p.d.positive, p.d.scale), neg: down(p.d.negative, p.d.scale) } : null));
  const range = (key: 'pos' | 'neg'): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of normalized) for (const i of p?.[key].keys() ?? []) [lo, hi] = [Math.min(lo, i), Math.max(hi, i)];
    return [lo, hi];
  };
  const [posLo, posHi] = range('pos');
  const [negLo, negHi] = range('neg');
  const bound = (i: number): number => 2 ** (i / 2 ** scale);
  const zeroThreshold = Math.max(0, ...points.map((p) => p.d?.zeroThreshold ?? 0));
  // The bounds, lowest first, and for each the indexes it closes.
  const les: { le: number; neg?: number; zero?: true; pos?: number }[] = [];
  if (negLo <= negHi) for (let i = negHi; i >= negLo; i--) les.push({ le: -bound(i), neg: i });
  les.push({ le: zeroThreshold, zero: true });
  // The lower edge of the lowest positive bucket, so its first bucket interpolates from there, not from 0.
  if (posLo <= posHi) {
    if (bound(posLo) > zeroThreshold) les.push({ le: bound(posLo) });
    for (let i = posLo; i <= posHi; i++) les.push({ le: bound(i + 1), pos: i });
  }
  les.push({ le: Infinity });
  const series = les.map((b) => new SeriesBuilder({ ...base, le: formatValue(b.le) }));
  let totals = new Array<number>(les.length).fill(0);
  for (const p of normalized) {
    if (!p) continue;
    if (p.stale) {
      for (const s of series) s.add(p.t, STALE_NAN);
      continue;
    }
    let cumulative = 0;
    const next = les.map((b) => {
      if (b.neg !== undefined) cumulative += p.neg.get(b.neg) ?? 0;
      else if (b.zero) cumulative += p.d!.zeroCount;
      else if (b.pos !== undefined) cumulative += p.pos.get(b.pos) ?? 0;
      return cumulative;
    });
    totals = delta ? totals.map((v, i) => v + next[i]!) : next;
    series.forEach((s, i) => s.add(p.t, totals[i]!));
  }
  return series;
}

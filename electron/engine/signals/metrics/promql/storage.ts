// The storage the PromQL engine reads: an interface the metrics module implements over its own
// tables, and an in-memory implementation for tests and small embedders. The engine asks once per
// selector for the whole time window a query needs, then slices samples by binary search.
import type { LabelMatcher } from './matchers.js';
import { matchesAll } from './matchers.js';

/** Label names and values of one series; `__name__` holds the metric name. */
export type Labels = Record<string, string>;

/**
 * A native (sparse) histogram sample. Not evaluated yet: the type only reserves its place so a
 * store can carry them and the engine can say plainly that it does not handle them.
 */
export interface HistogramSample {
  readonly t: number;
  readonly schema: number;
  readonly count: number;
  readonly sum: number;
}

/** One series as stored: float samples sorted by timestamp (ms since the epoch). */
export interface StoredSeries {
  readonly labels: Labels;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  /** Native histogram samples, sorted by `t`; the engine refuses them for now. */
  readonly histograms?: readonly HistogramSample[];
}

/**
 * How the engine will read a selector's samples (Prometheus's SelectHints), so a store may read
 * less than [startMs, endMs]: only the samples of the windows evaluated, or a downsampled copy
 * where a function's answer stays the same. Given only for a selector evaluated at the query's
 * own steps (not inside a subquery, not under `@`), offset applied.
 */
export interface SelectHints {
  /** Evaluation times: firstMs, firstMs + stepMs, … up to lastMs (stepMs 0: once, at lastMs). */
  readonly firstMs: number;
  readonly lastMs: number;
  readonly stepMs: number;
  /** Each evaluation at t reads [t - rangeMs, t]: a range selector's range, an instant selector's lookback. */
  readonly rangeMs: number;
  /** An instant selector: each evaluation reads only the newest sample of its window. */
  readonly instant: boolean;
  /** The function a range selector is the argument of (`rate`, `max_over_time`, …). */
  readonly func?: string;
}

/** What the engine needs from storage: the series matching all matchers, with samples in [startMs, endMs]. */
export interface SeriesStore {
  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): StoredSeries[];
}

/**
 * Prometheus marks a series as gone (target vanished, series dropped) with a NaN whose bits are
 * 0x7ff0000000000002. Ordinary NaN values (0x7ff8000000000001 from Go, 0x7ff8000000000000 from JS)
 * are data; only this exact payload is a staleness marker.
 */
const STALE_BITS_HI = 0x7ff00000;
const STALE_BITS_LO = 0x00000002;
const bitsView = new DataView(new ArrayBuffer(8));

function makeStaleNaN(): number {
  bitsView.setUint32(0, STALE_BITS_HI);
  bitsView.setUint32(4, STALE_BITS_LO);
  return bitsView.getFloat64(0);
}

/**
 * The staleness marker. Keep it in a Float64Array to preserve its payload: V8 keeps NaN payloads
 * through Float64Array reads and writes, and the check below reads the bits back.
 */
export const STALE_NAN = makeStaleNaN();

export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  bitsView.setFloat64(0, v);
  return bitsView.getUint32(0) === STALE_BITS_HI && bitsView.getUint32(4) === STALE_BITS_LO;
}

/** A series whose samples are appended in time order; `append` of an older timestamp is refused. */
class MemorySeries implements StoredSeries {
  timestamps: Float64Array = new Float64Array(16);
  values: Float64Array = new Float64Array(16);
  length = 0;
  constructor(readonly labels: Labels) {}

  append(t: number, v: number): void {
    if (this.length > 0 && t <= this.timestamps[this.length - 1]!) {
      throw new Error(`out-of-order sample at ${t} for ${JSON.stringify(this.labels)}`);
    }
    if (this.length === this.timestamps.length) {
      const ts = new Float64Array(this.length * 2);
      const vs = new Float64Array(this.length * 2);
      ts.set(this.timestamps);
      vs.set(this.values);
      this.timestamps = ts;
      this.values = vs;
    }
    this.timestamps[this.length] = t;
    this.values[this.length] = v;
    this.length++;
  }
}

/** Index of the first element of `arr[0..length)` that is >= `t`. */
export function lowerBound(arr: ArrayLike<number>, length: number, t: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Keys already computed, by label-set object: a range query asks again at every step for the same
 * objects (a series' labels, the label sets derived from them). Label sets are never changed
 * once made (a change makes a copy), which is what makes this cache right.
 */
const keys = new WeakMap<Labels, string>();

/** Canonical key of a label set: names sorted, so two equal sets give the same key. */
export function labelsKey(labels: Labels): string {
  let key = keys.get(labels);
  if (key !== undefined) return key;
  key = '';
  for (const name of Object.keys(labels).sort()) key += `${name}\xff${labels[name]}\xfe`;
  keys.set(labels, key);
  return key;
}

/** An in-memory SeriesStore: used by the tests and the Prometheus test-file runner. */
export class MemorySeriesStore implements SeriesStore {
  private readonly series = new Map<string, MemorySeries>();

  append(labels: Labels, t: number, v: number): void {
    const key = labelsKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = new MemorySeries({ ...labels });
      this.series.set(key, s);
    }
    s.append(t, v);
  }

  clear(): void {
    this.series.clear();
  }

  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): StoredSeries[] {
    const out: StoredSeries[] = [];
    for (const s of this.series.values()) {
      if (!matchesAll(matchers, s.labels)) continue;
      const from = lowerBound(s.timestamps, s.length, startMs);
      const to = lowerBound(s.timestamps, s.length, endMs + 1);
      if (from >= to) continue;
      out.push({ labels: s.labels, timestamps: s.timestamps.subarray(from, to), values: s.values.subarray(from, to) });
    }
    return out;
  }
}

// Cumulative series derived at ingest (RED from spans, log volume): per resource, one series per
// combination of dimensions, each a count (and, for a histogram, a sum and bucket counts) that only
// grows while Loupe runs. Bounded: past `limit` series, a new combination is added to its
// resource's overflow series (`otel.metric.overflow=true`, as the Collector's connectors and SDKs
// name it) and counted. A restart starts every series again from 0 with a new start time: PromQL
// reads that as a counter reset.
//
// What a flush writes, to keep the database small without losing a count: a series that changed
// since the last flush; one that stopped changing, for IDLE_WRITE_US more (Prometheus's lookback),
// so that rate() falls to 0 instead of vanishing; then nothing until it changes again, when the
// point of the flush before the change is written too, so that increase() over the gap is exact.
// A new series starts with a zero point before its first, so its first flush's events count.
import { canonicalJson } from '../../../core/resource-store.js';
import type { Attributes, OtlpResource } from '../../../core/telemetry.js';

/** Prometheus's default lookback: how long an unchanged series keeps being written. */
export const IDLE_WRITE_US = 5 * 60_000_000;

/** The attribute of the overflow series, as the OpenTelemetry SDKs and Collector connectors write it. */
export const OVERFLOW_ATTRIBUTES: Attributes = { 'otel.metric.overflow': true };

/** A series' values at one time. */
export interface Values {
  count: number;
  sum: number;
  /** Per-bucket counts (not cumulative), one more than the bounds; null for a plain counter. */
  buckets: number[] | null;
}

export interface Series extends Values {
  attributes: Attributes;
  startUs: number;
  /** The values as last written, null before the first write. */
  written: Values | null;
  lastWrittenUs: number;
  lastChangedUs: number;
}

/** A point to write: the series and the values at `timeUs`. */
export interface DerivedPoint {
  series: Series;
  timeUs: number;
  values: Values;
}

/** The series of one resource (get it once per batch: looking it up canonicalises the attributes). */
export interface ResourceSeries {
  resource: OtlpResource;
  series: Map<string, Series>;
  overflow: Series | null;
}

export class CumulativeTable {
  private readonly resources = new Map<string, ResourceSeries>();
  private size = 0;
  private lastFlushUs: number | null = null;
  /** Observations that went to an overflow series because the table was full. */
  overflowed = 0;

  /**
   * `limit`: the regular series held (overflow series, one per resource, come on top);
   * `bounds`: a histogram's explicit bounds, or null for a counter.
   */
  constructor(
    readonly limit: number,
    private readonly bounds: readonly number[] | null,
  ) {}

  /** The series kept, overflow series included. */
  get seriesCount(): number {
    let n = this.size;
    for (const r of this.resources.values()) if (r.overflow) n++;
    return n;
  }

  /** The series of `resource` (looked up by its attributes' canonical JSON). */
  resourceOf(resource: OtlpResource): ResourceSeries {
    const key = canonicalJson(resource.attributes);
    let r = this.resources.get(key);
    if (!r) this.resources.set(key, (r = { resource, series: new Map(), overflow: null }));
    return r;
  }

  /** Count one observation (of `value` for a histogram) in the series `key` of `r`; `attributes` makes a new one's. */
  observe(r: ResourceSeries, key: string, attributes: () => Attributes, nowUs: number, value = 0): void {
    let s = r.series.get(key);
    if (!s) {
      if (this.size >= this.limit) {
        this.overflowed++;
        s = r.overflow ??= this.newSeries(OVERFLOW_ATTRIBUTES, nowUs);
      } else {
        s = this.newSeries(attributes(), nowUs);
        r.series.set(key, s);
        this.size++;
      }
    }
    s.count++;
    if (s.buckets && this.bounds) {
      s.sum += value;
      s.buckets[bucketOf(this.bounds, value)]!++;
    }
  }

  /**
   * The points a flush at `nowUs` writes, per resource; `commit` records them as written (call it
   * once they are stored: after a failed write the next flush tries again).
   */
  collect(nowUs: number): { groups: { resource: OtlpResource; points: DerivedPoint[] }[]; commit: () => void } {
    const previous = this.lastFlushUs;
    const groups: { resource: OtlpResource; points: DerivedPoint[] }[] = [];
    const changed = new Set<Series>();
    for (const r of this.resources.values()) {
      const points: DerivedPoint[] = [];
      for (const s of r.overflow ? [...r.series.values(), r.overflow] : r.series.values()) {
        const now: Values = { count: s.count, sum: s.sum, buckets: s.buckets ? [...s.buckets] : null };
        if (s.written === null || s.written.count !== s.count) {
          // A new series: a zero point before its first, so increase() counts the first flush's
          // events (Prometheus's created-timestamp zero injection): at the previous flush, when it
          // did not exist yet, or (the first flush since start) at its start time.
          const zeroUs = previous ?? s.startUs;
          if (s.written === null && zeroUs < nowUs) points.push({ series: s, timeUs: zeroUs, values: zeroOf(now) });
          // Idle since before the previous flush: that flush's point first, so the gap counts nothing.
          if (s.written !== null && previous !== null && s.lastWrittenUs < previous) {
            points.push({ series: s, timeUs: previous, values: s.written });
          }
          points.push({ series: s, timeUs: nowUs, values: now });
          changed.add(s);
        } else if (nowUs - s.lastChangedUs <= IDLE_WRITE_US) points.push({ series: s, timeUs: nowUs, values: now });
      }
      if (points.length > 0) groups.push({ resource: r.resource, points });
    }
    const commit = (): void => {
      this.lastFlushUs = nowUs;
      for (const g of groups) {
        for (const p of g.points) {
          if (p.timeUs !== nowUs) continue;
          p.series.written = p.values;
          p.series.lastWrittenUs = nowUs;
          if (changed.has(p.series)) p.series.lastChangedUs = nowUs;
        }
      }
    };
    return { groups, commit };
  }

  private newSeries(attributes: Attributes, nowUs: number): Series {
    return {
      attributes,
      startUs: nowUs,
      count: 0,
      sum: 0,
      buckets: this.bounds ? new Array<number>(this.bounds.length + 1).fill(0) : null,
      written: null,
      lastWrittenUs: 0,
      lastChangedUs: 0,
    };
  }
}

/** A series' values before its first observation. */
function zeroOf(v: Values): Values {
  return { count: 0, sum: 0, buckets: v.buckets ? v.buckets.map(() => 0) : null };
}

/** The bucket of `value` among explicit `bounds`: bucket i holds (bounds[i-1], bounds[i]], the last one what is above all. */
export function bucketOf(bounds: readonly number[], value: number): number {
  let i = 0;
  while (i < bounds.length && value > bounds[i]!) i++;
  return i;
}

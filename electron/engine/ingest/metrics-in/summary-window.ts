// The sliding window behind a StatsD timer's quantiles, shaped like client_golang's Summary
// (which statsd_exporter uses): the last 10 minutes (DefMaxAge) in 5 age buckets (DefAgeBuckets),
// so old observations fall out 2 minutes at a time. Each bucket keeps at most `capacity` values as
// a uniform reservoir sample, so a timer flood costs bounded memory; quantiles are then exact on
// the kept values (nearest rank) where client_golang's are approximate (CKMS) anyway.

export const SUMMARY_MAX_AGE_MS = 10 * 60_000;
export const SUMMARY_AGE_BUCKETS = 5;
/** statsd_exporter's default objectives: 0.5, 0.9, 0.99. */
export const SUMMARY_QUANTILES = [0.5, 0.9, 0.99] as const;

interface AgeBucket {
  values: number[];
  /** Values offered to this bucket, kept or not (the reservoir's denominator). */
  seen: number;
}

export class SummaryWindow {
  private readonly buckets: AgeBucket[] = [];
  private head = 0;
  private headStartMs: number;
  private readonly bucketMs = SUMMARY_MAX_AGE_MS / SUMMARY_AGE_BUCKETS;

  constructor(
    nowMs: number,
    private readonly capacity: number,
    private readonly random: () => number = Math.random,
  ) {
    for (let i = 0; i < SUMMARY_AGE_BUCKETS; i++) this.buckets.push({ values: [], seen: 0 });
    this.headStartMs = nowMs;
  }

  observe(value: number, nowMs: number): void {
    this.rotate(nowMs);
    const bucket = this.buckets[this.head]!;
    bucket.seen++;
    if (bucket.values.length < this.capacity) bucket.values.push(value);
    else {
      const slot = Math.floor(this.random() * bucket.seen);
      if (slot < this.capacity) bucket.values[slot] = value;
    }
  }

  /** The quantiles over the window, NaN when it holds nothing (as client_golang reports them). */
  quantiles(qs: readonly number[], nowMs: number): number[] {
    this.rotate(nowMs);
    const all: number[] = [];
    for (const bucket of this.buckets) for (const v of bucket.values) all.push(v);
    if (all.length === 0) return qs.map(() => NaN);
    const sorted = Float64Array.from(all).sort();
    return qs.map((q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);
  }

  /** Starts a new age bucket (dropping the oldest) for every bucket length that has passed. */
  private rotate(nowMs: number): void {
    let steps = 0;
    while (nowMs - this.headStartMs >= this.bucketMs && steps < SUMMARY_AGE_BUCKETS) {
      this.head = (this.head + 1) % SUMMARY_AGE_BUCKETS;
      this.buckets[this.head] = { values: [], seen: 0 };
      this.headStartMs += this.bucketMs;
      steps++;
    }
    if (nowMs - this.headStartMs >= this.bucketMs) this.headStartMs = nowMs; // idle longer than the window
  }
}

// histogram_quantile over classic histograms (`_bucket` series with an `le` label), interpolating
// linearly inside the bucket that holds the rank, with Prometheus's edge cases: no +Inf bucket →
// NaN, duplicate bounds summed, counts that go down (a scrape in between) lifted to stay monotonic,
// a rank in the +Inf bucket → the highest finite bound, a first bucket with bound <= 0 → that bound.
export interface Bucket {
  upperBound: number;
  count: number;
}

export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  return sortedBucketQuantile(
    q,
    [...input].sort((a, b) => a.upperBound - b.upperBound).map((b) => ({ ...b })),
  );
}

/**
 * bucketQuantile over buckets already in bound order (a stable sort's), for 0 <= q <= 1, which it
 * may change (their counts): a caller that evaluates many steps gives it its own objects, sorted once.
 */
export function sortedBucketQuantile(q: number, sorted: Bucket[]): number {
  if (sorted.length === 0 || sorted[sorted.length - 1]!.upperBound !== Infinity) return NaN;
  // Duplicate bounds summed into the first of them.
  let length = 0;
  for (const b of sorted) {
    const last = length > 0 ? sorted[length - 1]! : undefined;
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else sorted[length++] = b;
  }
  const buckets = sorted;
  buckets.length = length;
  let max = buckets[0]!.count;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // The first bucket (among all but +Inf) whose cumulative count reaches the rank.
  let b = 0;
  while (b < buckets.length - 1 && !(buckets[b]!.count >= rank)) b++;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let start = 0;
  const end = buckets[b]!.upperBound;
  let count = buckets[b]!.count;
  if (b > 0) {
    start = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

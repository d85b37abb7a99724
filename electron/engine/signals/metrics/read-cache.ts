// The series store's read cache: the series built from a stored series' rows, per read plan, kept
// while the database is as it was when they were read, for the other charts of a dashboard or the
// other rules of a cycle.
import type { Part } from './series-catalogue.js';
import type { SeriesBuilder } from './series-from-points.js';

/**
 * Samples (16 bytes each, in typed arrays) and stored series the read cache holds at most; past
 * either, it starts again (a query over a million series keeps a bounded part of them).
 */
const READ_CACHE_SAMPLES = 4_000_000;
const READ_CACHE_SERIES = 50_000;
/** How long what was read is kept when nothing is written (an idle app's memory). */
const READ_CACHE_MS = 30_000;

/**
 * The series built from a stored series' rows, per read plan, kept while the database is as it was
 * when they were read: the charts of a dashboard asked together, or the rules of one cycle, read a
 * series they share once (a histogram's `_count` in three charts, its `_bucket` in two, its `_sum`
 * and `_count` in one). Any write drops them all: nothing outlives the data it came from. What
 * was read with the distributions also serves a read of the numbers alone. Built series, not rows:
 * their samples are in typed arrays, which cost the garbage collector nothing to keep, where
 * thousands of row objects kept past a query would be moved to the old generation and traced.
 */
export class ReadCache {
  private readonly byKey = new Map<string, Map<Part, SeriesBuilder[]>>();
  private version = '';
  private since = 0;
  private samples = 0;

  /** Keeps what is held if the database's version is still `version` (and it is recent). */
  keepIf(version: string): void {
    const now = performance.now();
    if (version === this.version && now - this.since < READ_CACHE_MS) return;
    this.clear();
    this.version = version;
    this.since = now;
  }

  series(seriesId: number, planKey: string, distributions: boolean, read: () => Map<Part, SeriesBuilder[]>): Map<Part, SeriesBuilder[]> {
    const all = `${seriesId}|${planKey}|all`;
    const key = distributions ? all : `${seriesId}|${planKey}|numbers`;
    const held = this.byKey.get(all) ?? this.byKey.get(key);
    if (held) return held;
    const built = read();
    let samples = 0;
    for (const list of built.values()) for (const s of list) samples += s.length;
    if (this.samples + samples > READ_CACHE_SAMPLES || this.byKey.size >= READ_CACHE_SERIES) this.clear();
    this.byKey.set(key, built);
    this.samples += samples;
    return built;
  }

  private clear(): void {
    this.byKey.clear();
    this.samples = 0;
  }
}

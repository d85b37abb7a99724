// The rules' point cache: a SeriesStore over the stored series that keeps, per selector, the samples
// the rules read, so a rule evaluated every 15 s does not read its 5-minute window again each time.
// It is fed by what is stored (`points.stored` says into which series, from which time): a
// selector none of whose series got points since its last read needs no SQL at all; one that got
// some reads only from the oldest new point on (points arrive in time order: that is the newest
// part). What it answers is what the store would answer for the same window — a select once read
// up to the end of what is stored, then sliced, evicting what falls before the widest window asked:
//
// - a series that appears (a new stored series, or one a selector did not list) makes the selector
//   read again whole, so the series' order stays the store's (a sum adds in that order);
// - series whose values depend on where the read begins (delta histograms, summed from the first
//   point read) are not cached: their selectors go to the store each time;
// - deleted points (retention) empty the cache;
// - a window in the past (`offset`, `@`) is read from the store.
import type { LabelMatcher } from '../../signals/metrics/promql/matchers.js';
import {
  labelsKey,
  lowerBound,
  type Labels,
  type SelectHints,
  type SeriesStore,
  type StoredSeries,
} from '../../signals/metrics/promql/storage.js';
import type { WrittenSeries } from '../../signals/metrics/metric-writer.js';

/** The store under the cache: PromQL's, and which stored series a selector lists (the catalogue, no points read). */
export interface CatalogSeriesStore extends SeriesStore {
  selectedSeries(matchers: readonly LabelMatcher[]): { id: number; type: string; delta: boolean }[];
}

/** A read "up to the end of what is stored": the latest time a Date can hold (ms). */
const END_OF_TIME_MS = 8_640_000_000_000_000;
/** Samples kept at most over all selectors (16 bytes each); past it the cache starts again. */
const MAX_SAMPLES = 4_000_000;
/**
 * A window ending this long before the newest one asked (`offset`, `@`: a past time) is left to
 * the store: a cached read goes on to the end of what is stored, a day of points for `offset 1d`.
 */
const PAST_MS = 60_000;
/** A selector not asked for this long (virtual time: its rule went) is dropped. */
const UNUSED_MS = 10 * 60_000;

/** One series' samples from `first` on, in typed arrays (a staleness marker's NaN keeps its bits). */
class CachedSeries {
  first = 0;
  length: number;
  constructor(
    readonly labels: Labels,
    public timestamps: Float64Array,
    public values: Float64Array,
  ) {
    this.length = timestamps.length;
  }

  /** Drops the samples at or after `t` (they are read again). */
  truncateFrom(t: number): void {
    this.length = lowerBound(this.timestamps, this.length, t);
    if (this.length < this.first) this.first = this.length;
  }

  append(ts: ArrayLike<number>, vs: ArrayLike<number>): void {
    const kept = this.length - this.first;
    const need = kept + ts.length;
    const timestamps = new Float64Array(need);
    const values = new Float64Array(need);
    timestamps.set(this.timestamps.subarray(this.first, this.length));
    values.set(this.values.subarray(this.first, this.length));
    timestamps.set(ts, kept);
    values.set(vs, kept);
    this.timestamps = timestamps;
    this.values = values;
    this.first = 0;
    this.length = need;
  }

  /** Forgets the samples before `t`. */
  evictBefore(t: number): void {
    this.first = Math.max(this.first, lowerBound(this.timestamps, this.length, t));
  }
}

/** What is held for one selector (matchers). */
interface Entry {
  readonly matchers: readonly LabelMatcher[];
  /** The stored series the selector lists. */
  ids: Set<number>;
  /** Its series in the store's order. */
  series: Map<string, CachedSeries>;
  /** Samples at or after this time are held (all that is stored, as of the last read). */
  fromMs: number;
  /** Points stored since the last read into one of its series, from this time on (ms; Infinity: none). */
  dirtyFromMs: number;
  /** The catalogue generation its ids were listed at (a new series may join the selector). */
  generation: number;
  /** The widest window asked (ms): what is older than the newest one's start goes. */
  widestMs: number;
  lastAskedMs: number;
}

export class RuleSeriesCache implements SeriesStore {
  private readonly entries = new Map<string, Entry>();
  /** Per stored series, the selectors listing it. */
  private readonly byId = new Map<number, Set<Entry>>();
  /** Bumped when a series may be new: every selector lists its series again before its next answer. */
  private generation = 0;
  private samples = 0;
  private lastSweepMs = -Infinity;
  private latestEndMs = -Infinity;
  readonly stats = { hits: 0, partialReads: 0, fullReads: 0, uncached: 0 };

  constructor(private readonly store: CatalogSeriesStore) {}

  /** `points.stored`: the selectors whose series got points read again from the oldest one on. */
  stored(written: WrittenSeries | undefined): void {
    if (!written) return this.clear();
    if (written.newSeries) this.generation++;
    for (const [id, oldestUs] of written.oldestUs) {
      const fromMs = Math.floor(oldestUs / 1000);
      for (const entry of this.byId.get(id) ?? []) entry.dirtyFromMs = Math.min(entry.dirtyFromMs, fromMs);
    }
  }

  /** Points were deleted (retention): nothing held can be trusted. */
  clear(): void {
    this.entries.clear();
    this.byId.clear();
    this.samples = 0;
  }

  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number, _hints?: SelectHints): StoredSeries[] {
    this.latestEndMs = Math.max(this.latestEndMs, endMs);
    if (endMs < this.latestEndMs - PAST_MS) {
      this.stats.uncached++;
      return this.store.select(matchers, startMs, endMs);
    }
    const key = JSON.stringify(matchers.map((m) => [m.name, m.type, m.value]));
    let entry = this.entries.get(key);
    if (entry && entry.generation !== this.generation) {
      const listed = this.listed(matchers);
      if (listed === null || [...listed].some((id) => !entry!.ids.has(id))) entry = this.drop(key, entry);
      else entry.generation = this.generation;
    }
    if (!entry || startMs < entry.fromMs) {
      const ids = entry?.ids ?? this.listed(matchers);
      if (entry) this.drop(key, entry);
      // Series a later read could not continue: the store answers each time.
      if (ids === null) {
        this.stats.uncached++;
        return this.store.select(matchers, startMs, endMs);
      }
      entry = this.readWhole(key, matchers, ids, startMs);
      this.stats.fullReads++;
    } else if (entry.dirtyFromMs !== Infinity) {
      if (!this.readFrom(entry, Math.max(entry.dirtyFromMs, entry.fromMs))) {
        this.drop(key, entry);
        entry = this.readWhole(key, matchers, entry.ids, startMs);
        this.stats.fullReads++;
      } else this.stats.partialReads++;
    } else this.stats.hits++;
    entry.widestMs = Math.max(entry.widestMs, endMs - startMs);
    entry.lastAskedMs = Math.max(entry.lastAskedMs, endMs);
    this.evict(entry, endMs);
    this.sweep(endMs);
    const out: StoredSeries[] = [];
    for (const s of entry.series.values()) {
      const from = Math.max(s.first, lowerBound(s.timestamps, s.length, startMs));
      const to = lowerBound(s.timestamps, s.length, endMs + 1);
      if (from < to) out.push({ labels: s.labels, timestamps: s.timestamps.subarray(from, to), values: s.values.subarray(from, to) });
    }
    return out;
  }

  /** The stored series a selector lists, or null when one of them cannot be cached. */
  private listed(matchers: readonly LabelMatcher[]): Set<number> | null {
    const ids = new Set<number>();
    for (const s of this.store.selectedSeries(matchers)) {
      if (s.delta && (s.type === 'histogram' || s.type === 'exponential_histogram')) return null;
      ids.add(s.id);
    }
    return ids;
  }

  private readWhole(key: string, matchers: readonly LabelMatcher[], ids: Set<number>, fromMs: number): Entry {
    const series = new Map<string, CachedSeries>();
    for (const s of this.store.select(matchers, fromMs, END_OF_TIME_MS)) {
      series.set(labelsKey(s.labels), new CachedSeries(s.labels, copied(s.timestamps), copied(s.values)));
      this.samples += s.timestamps.length;
    }
    const entry: Entry = {
      matchers,
      ids,
      series,
      fromMs,
      dirtyFromMs: Infinity,
      generation: this.generation,
      widestMs: 0,
      lastAskedMs: -Infinity,
    };
    this.entries.set(key, entry);
    for (const id of ids) {
      let entries = this.byId.get(id);
      if (!entries) this.byId.set(id, (entries = new Set()));
      entries.add(entry);
    }
    return entry;
  }

  /** Reads the entry's series again from `fromMs` on; false when a series it did not hold appeared (read it whole). */
  private readFrom(entry: Entry, fromMs: number): boolean {
    const fresh = this.store.select(entry.matchers, fromMs, END_OF_TIME_MS);
    const byKey = new Map(fresh.map((s) => [labelsKey(s.labels), s]));
    for (const k of byKey.keys()) if (!entry.series.has(k)) return false;
    for (const [k, s] of entry.series) {
      s.truncateFrom(fromMs);
      const more = byKey.get(k);
      if (more) {
        s.append(more.timestamps, more.values);
        this.samples += more.timestamps.length;
      }
    }
    entry.dirtyFromMs = Infinity;
    return true;
  }

  private evict(entry: Entry, endMs: number): void {
    const before = endMs - entry.widestMs;
    if (before <= entry.fromMs) return;
    for (const s of entry.series.values()) s.evictBefore(before);
    entry.fromMs = before;
  }

  /** Drops the selectors no rule asked for lately; starts again past the size bound. */
  private sweep(nowMs: number): void {
    if (this.samples > MAX_SAMPLES) {
      this.clear();
      return;
    }
    if (nowMs - this.lastSweepMs < UNUSED_MS) return;
    this.lastSweepMs = nowMs;
    for (const [key, entry] of this.entries) if (entry.lastAskedMs < nowMs - UNUSED_MS) this.drop(key, entry);
    let held = 0;
    for (const entry of this.entries.values()) for (const s of entry.series.values()) held += s.length - s.first;
    this.samples = held;
  }

  private drop(key: string, entry: Entry): undefined {
    this.entries.delete(key);
    for (const id of entry.ids) {
      const entries = this.byId.get(id);
      entries?.delete(entry);
      if (entries?.size === 0) this.byId.delete(id);
    }
    return undefined;
  }
}

/** A copy in a Float64Array (set() from one copies the bits: a staleness marker stays one). */
function copied(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  out.set(values);
  return out;
}

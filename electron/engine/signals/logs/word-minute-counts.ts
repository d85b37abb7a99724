// A word search's exact counts per minute and level, kept in memory between calls: the Logs view
// refreshes a search's histogram and facets every few seconds, and over a week of a common word
// (100M records) recounting it in the full-text index cost ~6 s each time. (A search without words
// keeps its sums of the per-minute rollup the same way: a week of them is 118k rows, ~25 ms a sum;
// and one counted from its rows, by minute or, for a chart of buckets under a minute, by second.)
// The minutes counted once and complete are kept (an LRU of searches, bounded by bytes); a call
// counts only the minutes not known (new ones, stale ones, the range's partial ends) and sums the
// rest. A call may be given a time to stop at (the Logs view's first look): it counts newest first
// until then and says from when its counts are whole. Exact as long as every change of a kept
// minute's records marks it stale, which the writers and deleters do here, not their callers:
// LogWriter (every log write), LogPruner and FileRecordEraser (every deletion), on their
// connection's instance (wordMinuteCountsOf). Records changed by another connection (a test's, a
// reader's beside the engine) are unheard of: then every kept count goes (see checkOthers).
import { perConnection, type Db } from '../../core/database.js';
import { MINUTE_US } from './rollup.js';
import { ftsPartsOf, type FtsPart, type FtsParts } from './fts-parts.js';

/** Memory the kept counts may take (reckoned by BYTES_PER_MINUTE); the least recently used searches go first. */
const WORD_COUNTS_MAX_BYTES = 32 * 1024 * 1024;
/** What a kept minute costs, as the LRU reckons it: a Map entry and its array of 6 numbers… */
const BYTES_PER_MINUTE = 160;
/** …and each further slot's 6 (a minute counted by second keeps 60 slots: ~3 KB). */
const BYTES_PER_SLOT = 48;
/**
 * Minutes counted in one pass (newest first). Each pass's complete minutes are kept as soon as it
 * ends, so a first look that the search deadline stops part-way is taken up where it stopped by
 * the next call instead of starting over.
 */
const MINUTES_PER_PASS = 720;
/**
 * A count with a time to stop (see count) sizes each pass to end at that time at the search's last
 * pace, kept between calls; before any pace is known, its first pass is this long, to learn it…
 * A cold cache or an index not merged yet makes a minute of a common word cost ~10 ms at 100M
 * records (a first pass of 720 minutes took over the 10 s deadline), where it costs ~1 ms warm; a
 * common word beside a source, read from its matches' rows, ~37 ms (60 minutes: 2.2 s).
 */
const PROBE_MINUTES = 5;
/** …or this long with no time to spend (`within` 0: a pass a call). */
const FIRST_PASS_MINUTES = 60;

type Bump = (ts: number, level: number, n: number) => void;
/**
 * Whether a pass counting newest first may end here, every match from time `t` (µs) on counted:
 * asked now and then (a range of rows, a slot) by the counts that read rows, whose pass over a cold
 * cache may cost far more than the search's pace foretold.
 */
export type MayStop = (t: number) => boolean;
/**
 * Counts the search's matches with times in [from, to] into `bump`, in `buckets` buckets of
 * `width` µs from `from` (bump's time is a bucket's start or a record's own time). Given `mayStop`,
 * it may end early when that says so: it returns the time from which every match is counted
 * (else nothing: all are).
 */
export type CountRange = (from: number, to: number, width: number, buckets: number, bump: Bump, mayStop?: MayStop) => number | void;

/** One search's known minutes (minute numbers: µs / MINUTE_US). */
class SearchMinutes {
  /** The known minutes as sorted, disjoint [lo, hi) pairs, flat. */
  known: number[] = [];
  /**
   * The known minutes' counts by slot and level (slot × 6 + level, 0..5: one slot a minute, or 60
   * of a second each); a known minute without matches has none.
   */
  readonly counts = new Map<number, number[]>();
  /** What its last kept pass cost a minute (ms; 0: not known yet), and how many minutes it counted. */
  msPerMinute = 0;
  lastPassMinutes = 0;

  constructor(readonly slots: number) {}

  get bytes(): number {
    return this.counts.size * (BYTES_PER_MINUTE + (this.slots - 1) * BYTES_PER_SLOT) + this.known.length * 8;
  }

  /** The runs of minutes in [a, b) not known, oldest first. */
  missing(a: number, b: number): [number, number][] {
    const out: [number, number][] = [];
    let at = a;
    for (let i = 0; i < this.known.length && at < b; i += 2) {
      const lo = this.known[i]!;
      const hi = this.known[i + 1]!;
      if (hi <= at) continue;
      if (lo >= b) break;
      if (lo > at) out.push([at, lo]);
      at = Math.max(at, hi);
    }
    if (at < b) out.push([at, b]);
    return out;
  }

  /** Minutes [a, b) are known (their counts set before). */
  learn(a: number, b: number): void {
    const pairs: [number, number][] = [[a, b]];
    for (let i = 0; i < this.known.length; i += 2) pairs.push([this.known[i]!, this.known[i + 1]!]);
    pairs.sort((x, y) => x[0] - y[0]);
    const out: number[] = [];
    for (const [lo, hi] of pairs) {
      if (out.length > 0 && lo <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
      else out.push(lo, hi);
    }
    this.known = out;
  }

  /** Minutes [a, b) are stale: counted again when next asked. */
  forget(a: number, b: number): void {
    const out: number[] = [];
    for (let i = 0; i < this.known.length; i += 2) {
      const lo = this.known[i]!;
      const hi = this.known[i + 1]!;
      if (hi <= a || lo >= b) out.push(lo, hi);
      else {
        if (lo < a) out.push(lo, a);
        if (hi > b) out.push(b, hi);
      }
    }
    this.known = out;
    if (b - a <= this.counts.size) {
      for (let k = a; k < b; k++) this.counts.delete(k);
    } else {
      for (const k of this.counts.keys()) if (k >= a && k < b) this.counts.delete(k);
    }
  }
}

/** The word counts kept for a connection (its writers and deleters mark them stale; its histograms read them). */
export const wordMinuteCountsOf = perConnection((db) => new WordMinuteCounts(db));

export class WordMinuteCounts {
  /** By search (its FTS5 expression and levels), least recently used first. */
  private readonly searches = new Map<string, SearchMinutes>();
  private bytes = 0;
  /** Off: nothing kept (`loupe query`, a reader in another process, hears of no write or deletion). */
  private off = false;
  /** Past the highest minute any search knows (a minute number): a write above it touches nothing kept. */
  private knownEnd = -Infinity;
  private readonly parts: FtsParts;
  /** The index's parts when last looked at (see checkParts). */
  private seenParts: readonly FtsPart[] | null = null;
  private readonly maxDrift;
  private readonly dataVersion;
  /** What another connection's writes and deletions change: [the write queue's last seq, the records counted per minute]. */
  private readonly records;
  /** Those, as this connection's own writes and deletions left them (null: not read yet). */
  private expected: [number, number] | null = null;
  /** The first and last minute with records in a range of minutes (µs), from the per-minute counts. */
  private readonly recordsSpan;
  /** The records file's data_version when last looked at (see checkOthers). */
  private seenVersion: unknown = null;
  /** Minutes counted whole so far (not summed from kept ones), and passes stopped part-way: what the tests watch. */
  minutesCounted = 0;
  passesStopped = 0;
  /** The clock a count's time to stop is read on (ms); a test steps it to stop passes where it wants. */
  now: () => number = () => performance.now();

  constructor(db: Db) {
    this.parts = ftsPartsOf(db);
    this.maxDrift = db.prepare("SELECT value FROM meta WHERE key = 'max_drift'").pluck();
    this.dataVersion = db.prepare('PRAGMA main.data_version').pluck();
    this.records = db
      .prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'fts_pending'), 0), (SELECT total(n) FROM log_counts)")
      .raw();
    // (Each bound its own subquery: a lone min() or max() is read off the key's end, both in one SELECT scan the range.)
    this.recordsSpan = db
      .prepare(
        `SELECT (SELECT min(minute) FROM log_counts WHERE minute >= ? AND minute < ? AND n > 0),
                (SELECT max(minute) FROM log_counts WHERE minute >= ? AND minute < ? AND n > 0)`,
      )
      .raw();
  }

  /** Whether counts are kept for this connection. */
  get on(): boolean {
    return !this.off;
  }

  /** Keep nothing (a connection that is not told of the writes and deletions of another process). */
  turnOff(): void {
    this.off = true;
    this.clear();
  }

  /**
   * Records were stored (sorted by time; `storedTs` gives the time a record was stored with): the
   * kept minutes holding their times are stale. A minute's count changes only by records of its
   * own times, so live appends (above every kept minute) cost one comparison a batch.
   */
  written(records: readonly { ts: number }[], storedTs: (ts: number) => number): void {
    if (records.length === 0) return;
    // One batch queued for the index, its records counted per minute (LogWriter).
    if (this.expected) this.expected = [this.expected[0] + 1, this.expected[1] + records.length];
    if (this.searches.size === 0) return;
    if (Math.floor(storedTs(records[0]!.ts) / MINUTE_US) >= this.knownEnd) return;
    let runLo = -1;
    let runHi = -1;
    for (const r of records) {
      const k = Math.floor(storedTs(r.ts) / MINUTE_US);
      if (k >= this.knownEnd) break;
      if (k <= runHi) continue;
      if (k === runHi + 1) runHi = k;
      else {
        if (runLo >= 0) this.stale(runLo, runHi + 1);
        runLo = runHi = k;
      }
    }
    if (runLo >= 0) this.stale(runLo, runHi + 1);
  }

  /**
   * `records` records with ids in [fromId, toId] were deleted (retention, a file's records erased):
   * the kept minutes their times may fall in (ids are times bumped by at most the writer's drift)
   * are stale. Retention deletes the oldest first, so it costs a recount of the old end's minutes only.
   */
  deleted(fromId: number, toId: number, records: number): void {
    if (this.expected) this.expected = [this.expected[0], this.expected[1] - records];
    if (this.searches.size === 0) return;
    const drift = Number(this.maxDrift.get() ?? 0);
    this.stale(Math.floor((fromId - drift) / MINUTE_US), Math.floor((toId + drift) / MINUTE_US) + 1);
  }

  /** Forget every kept count. */
  clear(): void {
    this.searches.clear();
    this.bytes = 0;
    this.knownEnd = -Infinity;
  }

  private stale(a: number, b: number): void {
    for (const s of this.searches.values()) {
      const before = s.bytes;
      s.forget(a, b);
      this.bytes += s.bytes - before;
    }
  }

  /**
   * Another connection committed records or deletions to the records' file: which minutes changed
   * is unknown, so every kept count goes. Its commits move the file's data_version (this
   * connection's own leave it; the FTS thread's go to the index's file), and so does its checkpoint
   * that truncates the WAL (the FTS thread's, after an ingest burst): then the write queue's last
   * seq and the records counted per minute (a write adds a batch to the one, records to the other;
   * a deletion takes records off) tell whether records changed beside what this connection did.
   */
  private checkOthers(): void {
    const version = this.dataVersion.get();
    if (version !== this.seenVersion || this.expected === null) {
      const now = this.records.get() as [number, number];
      if (this.expected !== null && (now[0] !== this.expected[0] || now[1] !== this.expected[1])) this.clear();
      this.expected = now;
      this.seenVersion = version;
    }
    this.checkParts();
  }

  /**
   * The index made again differently (its parts other than some added at the new end or dropped at
   * the old end: a rebuilt file) may match otherwise: every kept count goes. Parts added and
   * dropped as the indexer and retention do keep them (retention's deletions were told apart).
   */
  private checkParts(): void {
    const list = this.parts.current();
    const seen = this.seenParts;
    if (list === seen) return;
    this.seenParts = list;
    if (seen === null) return;
    const before = new Map(seen.map((p, i) => [p.part, i]));
    const newestBefore = seen.reduce((k, p) => Math.max(k, p.part), -1);
    const kept = list.filter((p) => before.has(p.part));
    const same =
      kept.length > 0 &&
      // The kept parts are the newest of before, in the same order, with the same starts (the oldest's shows as 0).
      kept.every((p, i) => {
        const at = before.get(p.part)!;
        return list[i] === p && at === seen.length - kept.length + i && (i === 0 || seen[at]!.firstId === p.firstId);
      }) &&
      list.slice(kept.length).every((p) => p.part > newestBefore);
    if (!same) this.clear();
  }

  /**
   * Counts a words-and-levels search (`key`: its FTS5 expression and levels) with times in [from,
   * to] into `bump`: the whole minutes known summed from what is kept, the others counted by
   * `countRange` (a pass over each run of them, newest first), and the range's partial first and
   * last minutes counted as they are (only their ids). A counted minute is kept when every id that
   * can hold one of its records ([m, m + MINUTE + drift)) is at or below `completeThrough`: stored,
   * indexed, and read from the index by this count.
   *
   * `stopAt` (a time of `now`): past it, no further pass starts, and a pass of a
   * `countRange` that reads rows ends where it is (the first pass that keeps its minutes runs until
   * one is whole, so each call makes progress; asked with no time left, it runs whole: see
   * FIRST_PASS_MINUTES). The call then returns the time (µs) from which every match is counted,
   * some before it not yet; else it returns null, every match counted. (A first look over days
   * answers in about that long with its newest passes, and the next call goes on from them.)
   *
   * `slotUs` (a divisor of a minute): the counts are kept and given (`bump`'s time a slot's start)
   * by slots of that width, and the range's partial minutes counted by slot; `from` is then a
   * slot's start, so that every slot counted falls in one of the caller's buckets.
   */
  count(
    key: string,
    from: number,
    to: number,
    completeThrough: number,
    drift: number,
    countRange: CountRange,
    bump: Bump,
    stopAt = Infinity,
    slotUs = MINUTE_US,
  ): number | null {
    this.checkOthers();
    const slots = MINUTE_US / slotUs;
    const first = Math.ceil(from / MINUTE_US);
    const end = Math.floor((to + 1) / MINUTE_US);
    // The range's partial first and last minutes: one bucket each, or their slots.
    const partial = (a: number, b: number): void => {
      if (slots > 1) countRange(a, b, slotUs, Math.ceil((b - a + 1) / slotUs), bump);
      else countRange(a, b, b - a + 1, 1, bump);
    };
    const headEnd = Math.min(first * MINUTE_US, to + 1) - 1;
    if (headEnd >= from) partial(from, headEnd);
    const tailFrom = Math.max(first, end) * MINUTE_US;
    if (tailFrom <= to && tailFrom > headEnd) partial(tailFrom, to);
    if (first >= end) return null;

    const id = slots > 1 ? `${key}\nby ${slotUs} µs` : key;
    let s = this.searches.get(id);
    if (s)
      this.searches.delete(id); // to the most recently used end
    else s = new SearchMinutes(slots);
    this.searches.set(id, s);
    const give = (k: number, counts: readonly number[]): void =>
      counts.forEach((n, i) => n > 0 && bump(k * MINUTE_US + Math.floor(i / 6) * slotUs, i % 6, n));
    // Minute k is complete when (k + 1) * MINUTE + drift - 1 <= completeThrough.
    const keepEnd = Math.floor((completeThrough - drift + 1) / MINUTE_US);
    // Kept minutes at or past keepEnd are not summed: the index's mark fell below them since they
    // were kept (backfilled history stored, not indexed yet), and their records above the mark were
    // counted from their rows (scanAboveIndex): they are counted again, from the index up to the
    // mark, and stay kept for when the index has caught up.
    const sumEnd = Math.min(end, Math.max(first, keepEnd));
    for (const [k, counts] of s.counts) if (k >= first && k < sumEnd) give(k, counts);
    const runs = s.missing(first, sumEnd);
    const last = runs[runs.length - 1];
    if (last && last[1] === sumEnd) last[1] = end;
    else if (sumEnd < end) runs.push([sumEnd, end]);
    // Passes whose minutes are kept (only those count as progress: the minutes past keepEnd are
    // counted again by every call, so a call that stopped at them would never get further).
    let keptPasses = 0;
    // Each pass sized to end about at stopAt at the search's last pace, to take at most a quarter of
    // the call's time, and to count at most twice the minutes of the last: a pace misread overshoots
    // by less (the newest minutes' pages are cached; at 100M a week's older ones cost ~20× more).
    const quarter = (stopAt - this.now()) / 4;
    const fitting = (): number => {
      const left = Math.min(stopAt - this.now(), quarter);
      if (left <= 0 || s.msPerMinute === 0) return 0;
      return Math.min(MINUTES_PER_PASS, 2 * s.lastPassMinutes, Math.max(1, Math.floor(left / s.msPerMinute)));
    };
    let size = stopAt === Infinity ? MINUTES_PER_PASS : fitting() || (quarter > 0 ? PROBE_MINUTES : FIRST_PASS_MINUTES);
    for (let r = runs.length - 1; r >= 0; r--) {
      const [a, b] = this.withRecords(s, runs[r]![0], runs[r]![1], keepEnd);
      for (let hi = b, lo = b; hi > a; hi = lo) {
        // With a time to stop, the minutes past keepEnd (the newest, counted by every call whatever
        // the time) go in passes of their own.
        const newest = stopAt !== Infinity && hi > keepEnd;
        lo = Math.max(a, newest ? Math.max(keepEnd, hi - MINUTES_PER_PASS) : hi - size);
        const keeps = Math.min(hi, keepEnd) > lo;
        if (keeps && keptPasses++ > 0 && this.now() >= stopAt) return hi * MINUTE_US;
        // A kept pass may end part-way past stopAt (with a time to stop, a kept pass is below
        // keepEnd): the call's first once its newest minute is whole, and only when the call had
        // time (asked with none, a first look counts one whole pass).
        const mustReach = keptPasses === 1 ? (hi - 1) * MINUTE_US : hi * MINUTE_US;
        const mayStop: MayStop | undefined =
          keeps && stopAt !== Infinity && (keptPasses > 1 || quarter > 0) ? (t) => t <= mustReach && this.now() >= stopAt : undefined;
        const started = this.now();
        const got = new Map<number, number[]>();
        const stoppedAt = countRange(
          lo * MINUTE_US,
          hi * MINUTE_US - 1,
          slotUs,
          (hi - lo) * slots,
          (ts, level, n) => {
            const k = Math.floor(ts / MINUTE_US);
            let counts = got.get(k);
            if (!counts) got.set(k, (counts = new Array<number>(6 * slots).fill(0)));
            counts[Math.floor((ts - k * MINUTE_US) / slotUs) * 6 + level]! += n;
          },
          mayStop,
        );
        // The minutes counted whole: all of the pass's, or those from where it stopped.
        const whole = typeof stoppedAt === 'number' ? Math.min(hi, Math.max(lo, Math.ceil(stoppedAt / MINUTE_US))) : lo;
        this.minutesCounted += hi - whole;
        for (const [k, counts] of got) give(k, counts);
        const keptHi = Math.min(hi, keepEnd);
        if (keptHi > whole) this.keep(s, whole, keptHi, got);
        if (keeps) {
          // (A pass stopped before any minute was whole took at least this long for one.)
          s.msPerMinute = Math.max(this.now() - started, 0.01) / Math.max(1, hi - whole);
          // (A pass cut short by the end of a run of minutes says nothing of a longer one; one
          // stopped says how many fitted.)
          if (whole > lo) s.lastPassMinutes = Math.max(1, hi - whole);
          else if (hi - lo >= size || s.lastPassMinutes === 0) s.lastPassMinutes = hi - lo;
          if (stopAt !== Infinity) size = fitting() || 1;
        }
        if (whole > lo) {
          this.passesStopped++;
          return whole * MINUTE_US;
        }
      }
    }
    return null;
  }

  /**
   * The part of run [a, b) that holds records (the per-minute counts are written with them): the
   * minutes before and after it have no matches, known without counting when complete (a range
   * from long before the first record, or a clock ahead of the newest, costs no pass over them).
   */
  private withRecords(s: SearchMinutes, a: number, b: number, keepEnd: number): [number, number] {
    const [lo, hi] = this.recordsSpan.get(a * MINUTE_US, b * MINUTE_US, a * MINUTE_US, b * MINUTE_US) as [number | null, number | null];
    const from = lo === null ? b : lo / MINUTE_US;
    const to = hi === null ? b : hi / MINUTE_US + 1;
    const none = new Map<number, number[]>();
    if (from > a && Math.min(from, keepEnd) > a) this.keep(s, a, Math.min(from, keepEnd), none);
    if (to < b && Math.min(b, keepEnd) > to) this.keep(s, to, Math.min(b, keepEnd), none);
    return [from, Math.max(from, to)];
  }

  /** Minutes [lo, hi) of search `s` are complete, with `got`'s counts (others: none). */
  private keep(s: SearchMinutes, lo: number, hi: number, got: Map<number, number[]>): void {
    const before = s.bytes;
    for (const [k, levels] of got) if (k >= lo && k < hi) s.counts.set(k, levels);
    s.learn(lo, hi);
    this.bytes += s.bytes - before;
    this.knownEnd = Math.max(this.knownEnd, hi);
    // The least recently used searches go (never the one just counted).
    for (const [key, old] of this.searches) {
      if (this.bytes <= WORD_COUNTS_MAX_BYTES || old === s) break;
      this.bytes -= old.bytes;
      this.searches.delete(key);
    }
  }
}

// The volume histogram of a search (counts per time bucket and level) and its level totals (what
// the facets show): from the per-minute counts when the query allows, in the full-text index alone
// for words and levels (index-counts.ts), from the rows otherwise (by minute, or by second for
// buckets under a minute, kept between calls unless a term reads more than the record). It borrows
// the search's parts (HistogramHost): the scan of the records the index has not reached, the id
// ranges a level or source narrows to.
import { LEVELS } from '../../../../shared/severity.js';
import type { CountingPart, HistogramView, UnindexedPart, UnreadPart } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import {
  checkSearchDeadline,
  compileToSql,
  deadlineSql,
  levelsKept,
  parseQuery,
  rollupCondition,
  rowCondition,
  simpleFilters,
  withoutText,
  withSearchDeadline,
  type PrefixExpander,
  type QueryAst,
  type SourceCatalog,
} from './query/index.js';
import { BadRequestError } from '../../core/errors.js';
import type { Db } from '../../core/database.js';
import type { LogWriter } from './log-writer.js';
import { ftsRowidRange } from './fts-index.js';
import { FTS_PART, ftsPartsOf, type FtsPart, type FtsParts } from './fts-parts.js';
import type { Clock } from '../../core/clock.js';
import { LEVEL_SUMS, MINUTE_US, levelIndexOf } from './rollup.js';
import { IndexCounts, type InPart, type WordsAndLevels } from './index-counts.js';
import type { LogRow } from './rows.js';
import { levelRangeSql } from './query/levels.js';
import { clampInt, withinMs } from './request-params.js';
import { wordMinuteCountsOf, type MayStop, type WordMinuteCounts } from './word-minute-counts.js';

export const MAX_BUCKETS = 1000;
export const DEFAULT_BUCKETS = 60;

export interface HistogramParams {
  q?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  buckets?: number | undefined;
  /** Count for about this long (ms), then answer with what is counted and `counting` (see CountWithin). */
  within?: number | undefined;
}

/** A search's level totals; `counting` when older matches are still to count (asked `within` a time). */
export interface LevelTotals {
  totals: Record<string, number>;
  counting?: CountingPart;
}

/** A count that reads matches' rows asks whether to stop once per this many (a clock read costs ~50 ns; a row ~2–40 µs). */
const ROWS_BETWEEN_STOP_CHECKS = 64;
/** How long the level totals of a histogram answer the facets of the same search (a view asks both at once). */
const LEVEL_TOTALS_REUSE_MS = 2000;
/**
 * A word's histogram is counted in the full-text index alone while the ids within the drift of a
 * bucket's start (read row by row) are at most 1 in this many of the bucket's span.
 */
const EDGE_SHARE_MAX = 8;
/**
 * The levels side by side, as LEVEL_SUMS sums them, over rows of `logs`: one aggregate row per
 * slot (a GROUP BY's sorter cost 3–6× more; the levels' severity ranges ~2× less than one CASE a
 * level, 321k rows).
 */
const ROW_LEVEL_COUNTS = LEVELS.map((_, level) => `count(*) FILTER (WHERE ${levelRangeSql('l.severity', level, level)})`).join(', ');
const SECOND_US = 1_000_000;

/** A search counted from its rows by slot, kept between calls (see rowsCounted). */
interface RowsCounted {
  /** A minute, or a second for buckets under a minute. */
  slotUs: number;
  /** Whether it has words (its rows are then those of its full-text matches). */
  words: boolean;
  /** The condition beside the words, over a row of `logs` (alias `l`). */
  where: string;
  params: unknown[];
}

/** What the histogram borrows from the reader (log-reader.ts). */
export interface HistogramHost {
  readonly db: Db;
  readonly writer: LogWriter;
  readonly clock: Clock;
  readonly deadlineMs: number;
  /** The words that start a prefix, in the parts of the index with ids in [idMin, idMax] (the parts a count reads). */
  expanderOver(idMin: number, idMax: number): PrefixExpander;
  catalog(): SourceCatalog;
  /** Scans the records above the full-text index's mark into `take`; returns the highest id to read from the index. */
  scanAboveIndex(ast: QueryAst, from: number, to: number, idMin: number, idMax: number, take: (row: LogRow) => boolean): number;
  idRanges(ast: QueryAst, from: number, to: number, idMin: number, idMax: number): Iterable<[number, number]>;
  unindexedOf(q: string | undefined): UnindexedPart | undefined;
  unreadPart(): UnreadPart | undefined;
}

export class LogHistogram {
  /** The per-level totals of the last histogram, by search: counting a common word twice costs seconds. */
  private lastLevelTotals: { key: string; at: number; levels: LevelTotals } | null = null;
  /** A word's histogram counted in the full-text index alone (index-counts.ts). */
  private readonly indexCounts: IndexCounts;
  private readonly parts: FtsParts;
  /** A word search's counts per minute kept between calls (word-minute-counts.ts). */
  private readonly minuteCounts: WordMinuteCounts;

  constructor(private readonly host: HistogramHost) {
    const db = host.db;
    this.indexCounts = new IndexCounts(db, host.writer);
    this.parts = ftsPartsOf(db);
    this.minuteCounts = wordMinuteCountsOf(db);
  }

  histogram(p: HistogramParams): HistogramView {
    return withSearchDeadline(() => this.histogramNow(p), this.host.deadlineMs);
  }

  private histogramNow(p: HistogramParams): HistogramView {
    const nBuckets = clampInt(p.buckets, DEFAULT_BUCKETS, 1, MAX_BUCKETS, 'buckets');
    // Only a search counted per minute stops early (its counted minutes are kept for the next call);
    // the others are quick, or counted whole (within the search deadline).
    const within = withinMs(p.within, this.host.deadlineMs);
    const stopAt = within === undefined ? Infinity : this.minuteCounts.now() + within;
    const ast = parseQuery(p.q ?? '');
    // (Read once a call: two queries over every source and file.)
    const catalog = this.host.catalog();
    const filters = simpleFilters(ast, catalog);
    let from = p.from;
    let to = p.to;
    if (from === undefined || to === undefined) {
      // Each bound its own subquery: SQLite reads a lone min() or max() off the key's end, but both
      // in one SELECT scan every row (118k at 100M records: 11 ms).
      const span = this.host.db
        .prepare('SELECT (SELECT min(minute) FROM log_counts) AS lo, (SELECT max(minute) FROM log_counts) AS hi')
        .get() as {
        lo: number | null;
        hi: number | null;
      };
      from ??= span.lo ?? 0;
      // An open end is "until now" (or the newest record, when a clock ran ahead): a range whose
      // start is past every record is an empty chart up to now, not a mistake.
      to ??= Math.max(span.hi === null ? from : span.hi + MINUTE_US - 1, this.host.clock.nowUs(), from);
    }
    if (to < from) throw new BadRequestError('to: the end of the range is before its start');
    const span = to - from + 1;
    let width = Math.max(1, Math.ceil(span / nBuckets));
    // In minutes, with a hair of tolerance: the range's end is inclusive, so "the last hour" is
    // 3,600,000,001 µs, and still 60 one-minute buckets (not 30 of two).
    const minutes = span / nBuckets / MINUTE_US - 1e-6;
    const wholeMinutes = minutes >= 1 - 2e-6;
    const seconds = span / nBuckets / SECOND_US - 1e-6;
    const drift = this.host.writer.maxDrift;
    const useRollup = filters !== null && wholeMinutes;
    // A search of words and levels counted per minute (word-minute-counts.ts), when its ids within
    // the drift of a minute's start are few (see EDGE_SHARE_MAX). (Its shape is known before the
    // index's mark is read: its prefix words are expanded after.)
    const byMinute =
      !useRollup && wholeMinutes && this.minuteCounts.on && drift * EDGE_SHARE_MAX < MINUTE_US && this.wordsAndLevels(ast) !== null;
    const byRows =
      useRollup || byMinute ? null : this.rowsCounted(ast, catalog, wholeMinutes ? MINUTE_US : seconds >= 1 - 2e-6 ? SECOND_US : 0);
    // The range counted: [rangeFrom, to] (the rollup's: its whole minutes; by second: its whole seconds).
    const rangeFrom = useRollup
      ? Math.floor(from / MINUTE_US) * MINUTE_US
      : byRows?.slotUs === SECOND_US
        ? Math.floor(from / SECOND_US) * SECOND_US
        : from;
    if (useRollup || byMinute || byRows) {
      // Whole slots (minutes, or seconds), so each slot (of the rollup, or kept) falls in exactly one bucket.
      const slotUs = byRows?.slotUs ?? MINUTE_US;
      width = Math.max(1, Math.ceil(slotUs === MINUTE_US ? minutes : seconds)) * slotUs;
      from = Math.floor(from / slotUs) * slotUs;
    }
    const count = Math.max(1, Math.ceil((to - from + 1) / width));
    const counts: number[][] = Array.from({ length: count }, () => [0, 0, 0, 0, 0, 0]);
    let total = 0;
    const bump = (ts: number, level: number, n: number): void => {
      const b = Math.floor((ts - from!) / width);
      const bucket = counts[b];
      if (bucket && level >= 0 && level < 6) {
        bucket[level]! += n;
        total += n;
      }
    };
    if (useRollup && filters && this.minuteCounts.on) {
      // Its sums per minute kept between calls as a word's are (word-minute-counts.ts): a live
      // refresh of a week (118k rows of log_counts at 100M records, ~25 ms a sum) reads the new
      // minutes only. Every minute's row is final as stored (its writers and deleters mark it
      // stale), so all are kept: complete through any id, no drift.
      const cond = rollupCondition(filters);
      const perMinute = this.host.db
        .prepare(`SELECT minute, ${LEVEL_SUMS} FROM log_counts WHERE minute >= ? AND minute <= ? AND ${cond.where} GROUP BY minute`)
        .raw();
      this.minuteCounts.count(
        `rollup\n${cond.where}\n${JSON.stringify(cond.params)}`,
        rangeFrom,
        to,
        Infinity,
        0,
        (lo, hi, _w, _n, b) => {
          for (const [minute, ...sums] of perMinute.iterate(lo, hi, ...cond.params) as IterableIterator<(number | null)[]>)
            sums.forEach((n, level) => n !== null && n !== 0 && b(minute!, level, n));
        },
        bump,
      );
    } else if (useRollup && filters) {
      // One aggregate per bucket, its levels summed side by side: no GROUP BY (sorting every
      // minute × source × level row of a week — 125k rows at 100M records — cost ~6× more).
      const cond = rollupCondition(filters);
      const perBucket = this.host.db
        .prepare(`SELECT ${LEVEL_SUMS} FROM log_counts WHERE minute >= ? AND minute < ? AND ${cond.where}`)
        .raw();
      for (let b = 0; b < count; b++) {
        const start = from + b * width;
        const sums = perBucket.get(start, Math.min(start + width, to + 1), ...cond.params) as (number | null)[];
        sums.forEach((n, level) => n !== null && n !== 0 && bump(start, level, n));
      }
    } else if (byRows && !byRows.words) {
      // Each slot's levels in one aggregate over its ids (a record of slot [s, e] has an id in
      // [s, e + drift]), only where a level or source term leaves records (idRanges).
      const perSlot = this.host.db
        .prepare(
          `SELECT ${ROW_LEVEL_COUNTS} FROM logs l
             WHERE l.id >= ? AND l.id <= ? AND l.ts >= ? AND l.ts <= ? AND ${deadlineSql('l.id')} AND (${byRows.where})`,
        )
        .raw();
      const before = this.minuteCounts.count(
        `rows\n${byRows.where}\n${JSON.stringify(byRows.params)}`,
        rangeFrom,
        to,
        Infinity,
        0,
        (lo, hi, w, n, b, mayStop) => {
          // Newest first, so that a pass stopped part-way has counted every match from a time on:
          // id ranges newest first, and their slots; after slot [start, end] of range [a, z], every
          // match from max(start, a) (its id is at least its time: in this range or a newer one).
          for (const [a, z] of this.host.idRanges(ast, lo, hi, lo, hi + drift)) {
            const first = Math.max(0, Math.floor((a - drift - lo) / w));
            for (let i = Math.min(n - 1, Math.floor((z - lo) / w)); i >= first; i--) {
              checkSearchDeadline();
              const start = lo + i * w;
              const end = Math.min(start + w, hi + 1) - 1;
              const sums = perSlot.get(Math.max(start, a), Math.min(end + drift, z), start, end, ...byRows.params) as number[];
              sums.forEach((k, level) => k > 0 && b(start, level, k));
              if (mayStop?.(Math.max(start, a))) return Math.max(start, a);
            }
          }
        },
        bump,
        stopAt,
        byRows.slotUs,
      );
      return this.histogramView(p, from, to, width, counts, total, before);
    } else {
      const idMax = this.host.scanAboveIndex(ast, rangeFrom, to, rangeFrom, to + drift, (row) => {
        bump(row.ts, levelIndexOf(row.severity), 1);
        return true;
      });
      // Spelled out after the index's mark is read (the words of every record below it are in the
      // vocabulary), a part's when the count reads it: a first look over a week counts its newest
      // minutes first, and at 100M records reading every part's words first cost ~0.8 s cold.
      const byIndex = this.wordsAndLevels(ast);
      if (byIndex && byMinute) {
        // Kept minutes: every id of theirs at or below what the index holds and this count read from
        // it. (Known by the search's prefix, not its spelled-out words: a minute's count changes only
        // with its records, whose writers mark it stale.)
        const complete = Math.min(idMax, this.host.writer.ftsIndexedThrough());
        const key = `${byIndex.min}-${byIndex.max}\n${byIndex.key}`;
        const before = this.minuteCounts.count(
          key,
          rangeFrom,
          to,
          complete,
          drift,
          (lo, hi, w, n, b) =>
            // (The ids of records of [lo, hi] end at hi + drift: none past it is read row by row.)
            this.indexCounts.count(byIndex, lo, hi, Math.min(idMax, hi + drift), w, n, b),
          bump,
          stopAt,
        );
        return this.histogramView(p, from, to, width, counts, total, before);
      }
      // Bucketed by id in the index alone when few ids sit within the drift of a bucket's start.
      if (byIndex && drift * EDGE_SHARE_MAX < width) {
        this.indexCounts.count(byIndex, from, to, idMax, width, count, bump);
        return this.histogramView(p, from, to, width, counts, total);
      }
      const sql = compileToSql(ast);
      // In each part: the words, and the condition beside them (its nested words spelled out there
      // too) or, kept, as rowsCounted made it (source terms as source ids, no nested words).
      const inPart = this.perPart((expandPrefix) => {
        const there = compileToSql(ast, { expandPrefix });
        return { head: there.fts !== null ? [there.fts] : [], params: (byRows ?? there).params };
      });
      const cond = byRows ?? sql;
      const text =
        sql.fts !== null
          ? `SELECT l.ts, l.severity, l.id FROM ${FTS_PART} f JOIN logs l ON l.id = f.rowid
               WHERE ${FTS_PART} MATCH ? AND ${ftsRowidRange('f.rowid')} AND l.ts >= ? AND l.ts <= ? AND ${deadlineSql('f.rowid')}
                 AND (${cond.where})
               ORDER BY f.rowid DESC`
          : `SELECT l.ts, l.severity, l.id FROM logs l
               WHERE l.id >= ? AND l.id <= ? AND l.ts >= ? AND l.ts <= ? AND ${deadlineSql('l.id')} AND (${cond.where})`;
      /**
       * The matches with times in [lo, hi] and ids up to idHi, each given to `b`. Read newest first
       * (id ranges, parts and rows): stopped by `mayStop` after a match of id x, it has counted
       * every match from time x on (an id is at least its record's time), and returns x.
       */
      const readRows = (lo: number, hi: number, idHi: number, b: typeof bump, mayStop?: MayStop): number | void => {
        let n = 0;
        for (const [idLo, idTop] of this.host.idRanges(ast, lo, hi, lo, idHi)) {
          for (const [stmt, x, y, part] of this.parts.over(text, idLo, idTop)) {
            const { head, params } = inPart(part, x, y);
            const rows = stmt.raw().iterate(...head, x, y, lo, hi, ...params) as IterableIterator<[number, number, number]>;
            for (const r of rows) {
              checkSearchDeadline();
              b(r[0], levelIndexOf(r[1]), 1);
              if (mayStop && ++n % ROWS_BETWEEN_STOP_CHECKS === 0 && mayStop(r[2])) return r[2];
            }
          }
        }
      };
      if (byRows && sql.fts !== null) {
        // Words beside other terms: the matches' rows read for their times and levels, kept per
        // minute (or second) as a word's counts are, complete up to what the index holds.
        const before = this.minuteCounts.count(
          `matches\n${sql.fts}\n${byRows.where}\n${JSON.stringify(byRows.params)}`,
          rangeFrom,
          to,
          Math.min(idMax, this.host.writer.ftsIndexedThrough()),
          drift,
          (lo, hi, _w, _n, b, mayStop) => readRows(lo, hi, Math.min(idMax, hi + drift), b, mayStop),
          bump,
          stopAt,
          byRows.slotUs,
        );
        return this.histogramView(p, from, to, width, counts, total, before);
      }
      readRows(rangeFrom, to, idMax, bump);
    }
    return this.histogramView(p, from, to, width, counts, total);
  }

  /**
   * A search that neither the rollup nor the index alone answers (terms beside levels and sources,
   * words beside them, or buckets under a minute): counted from its rows (a word's matches' rows)
   * by slot (`slotUs`, 0: the buckets are under a second, not kept) and kept per minute as a word's
   * counts are. Its condition beside the words must depend on the record alone, as the kept minutes
   * are told only of records stored and deleted: no term that reads another table (a source term
   * inside an OR or a NOT, an error group, a pattern, a word excluded with nothing else to match).
   */
  private rowsCounted(ast: QueryAst, catalog: SourceCatalog, slotUs: number): RowsCounted | null {
    if (slotUs === 0 || !this.minuteCounts.on) return null;
    const words = compileToSql(ast).fts !== null;
    // Words and levels alone are counted in the index alone (byMinute, IndexCounts).
    if (words && this.wordsAndLevels(ast) !== null) return null;
    // The terms beside the words: those of levels and sources as the rollup reads them (source ids),
    // the others compiled (`logger:app.db source:worker` is kept; a source inside an OR is not).
    const rest = withoutText(ast);
    const terms = rest.kind === 'and' ? rest.children : [rest];
    const simple = terms.filter((t) => simpleFilters(t, catalog) !== null);
    const others = terms.filter((t) => !simple.includes(t));
    const filters = simpleFilters(simple.length === 1 ? simple[0]! : { kind: 'and', children: simple }, catalog);
    const byRollup = filters ? rowCondition(filters) : { where: '1', params: [] };
    const sql = filters ? compileToSql(others.length === 1 ? others[0]! : { kind: 'and', children: others }) : compileToSql(rest);
    if (/\bSELECT\b/i.test(sql.where)) return null;
    const where = [byRollup.where, sql.where].filter((w) => w !== '1');
    return { slotUs, words, where: where.length === 0 ? '1' : where.join(' AND '), params: [...byRollup.params, ...sql.params] };
  }

  /**
   * A search of full-text terms and level terms only (`timeout`, `timeout level:error`): its FTS5
   * expression (over the user's columns) and the levels it keeps, or null.
   */
  private wordsAndLevels(ast: QueryAst): WordsAndLevels | null {
    const words = (ast.kind === 'and' ? ast.children : [ast]).filter((c) => c.kind !== 'level');
    if (words.length === 0) return null;
    const { min, max } = levelsKept(ast);
    const only = words.length === 1 ? words[0]! : { kind: 'and' as const, children: words };
    const sql = compileToSql(only);
    if (sql.fts === null || sql.where !== '1') return null;
    return { key: sql.fts, fts: this.perPart((expandPrefix) => compileToSql(only, { expandPrefix }).fts!), min, max };
  }

  /**
   * `make` in each part of the index a count reads, given the words that start a prefix there
   * (the reader's, kept until the index gains words), made once a part a call.
   */
  private perPart<T>(make: (expandPrefix: PrefixExpander) => T): InPart<T> {
    const made = new Map<FtsPart | null, T>();
    return (part, a, z) => {
      if (!made.has(part)) made.set(part, make(this.host.expanderOver(a, z)));
      return made.get(part)!;
    };
  }

  /** `countedFrom`: the time (µs) before which some matches are not counted yet (null: all are). */
  private histogramView(
    p: HistogramParams,
    from: number,
    to: number,
    width: number,
    counts: number[][],
    total: number,
    countedFrom: number | null = null,
  ): HistogramView {
    const totals: Record<string, number> = {};
    for (const c of counts) c.forEach((n, level) => n > 0 && (totals[LEVELS[level]!] = (totals[LEVELS[level]!] ?? 0) + n));
    const counting = countedFrom === null ? undefined : { before: usToRfc3339(countedFrom) };
    this.lastLevelTotals = { key: levelTotalsKey(p), at: this.host.clock.nowMs(), levels: { totals, ...(counting ? { counting } : {}) } };
    const unindexed = this.host.unindexedOf(p.q);
    const unread = this.host.unreadPart();
    return {
      ...(unindexed ? { unindexed } : {}),
      ...(unread ? { unread } : {}),
      ...(counting ? { counting } : {}),
      total,
      buckets: counts.map((c, i) => {
        const start = from + i * width;
        const levelCounts: Partial<Record<(typeof LEVELS)[number], number>> = {};
        c.forEach((n, level) => {
          if (n > 0) levelCounts[LEVELS[level]!] = n;
        });
        return { start: usToRfc3339(start), end: usToRfc3339(Math.min(start + width, to + 1)), counts: levelCounts };
      }),
    };
  }

  /**
   * How many records of each level the search matches (from a histogram of the same search just
   * made, if any: one still counting answers only a count asked `within` a time too).
   */
  levelTotals(p: Omit<HistogramParams, 'buckets'>): LevelTotals {
    const cached = this.lastLevelTotals;
    if (
      cached &&
      cached.key === levelTotalsKey(p) &&
      this.host.clock.nowMs() - cached.at < LEVEL_TOTALS_REUSE_MS &&
      (!cached.levels.counting || p.within !== undefined)
    )
      return cached.levels;
    this.histogram({ ...p, buckets: 1 });
    return this.lastLevelTotals!.levels;
  }
}

function levelTotalsKey(p: { q?: string | undefined; from?: number | undefined; to?: number | undefined }): string {
  return JSON.stringify([p.q ?? '', p.from ?? null, p.to ?? null]);
}

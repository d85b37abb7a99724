// Reading logs back: newest-first pages (a walk down the time-ordered row id, for plain and
// full-text queries alike), a record's neighbours in its file, and the volume histogram
// (log-histogram.ts, which borrows this search's parts). Text searches are whole from
// the first second: the records the full-text index has not reached yet (ids above its mark) are
// scanned, their stored text tested with the live tail's predicate, and come first (newest); and
// the files' bytes not read into the store yet are searched too (UnreadFiles), their matches —
// or for a page with no words, their records — merged in newest-first as `pending` records.
import { levelOf } from '../../../../shared/severity.js';
import type { HistogramView, LogPage, LogRecordView, UnindexedPart, UnreadPart } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import {
  checkSearchDeadline,
  compileToPredicate,
  noteReached,
  timePassed,
  walkUntil,
  compileToSql,
  deadlineSql,
  levelsKept,
  narrowingFilters,
  parseQuery,
  readsFullText,
  rollupCondition,
  SEARCH_DEADLINE_MS,
  sqlAnalysisLookup,
  withSearchDeadline,
  type PrefixExpander,
  type QueryAst,
  type SourceCatalog,
} from './query/index.js';
import { NotFoundError } from '../../core/errors.js';
import type { Db } from '../../core/database.js';
import type { LogWriter } from './log-writer.js';
import { ftsLevelTags, ftsRowidRange, type FtsLag } from './fts-index.js';
import { FTS_PART, ftsPartsOf, type FtsParts } from './fts-parts.js';
import { MAX_LEVEL_INDEX } from './query/levels.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { MINUTE_US } from './rollup.js';
import { LOG_FLAG_TRUNCATED, LOG_FLAG_TS_INFERRED, type LogRow } from './rows.js';
import { literalNeedles } from './query/needles.js';
import type { UnreadAnswer, UnreadFiles } from './unread-files.js';
import { cursorAfter, isBelow, newestFirst, parseCursor, pendingBelow } from './page-cursor.js';
import { LogHistogram, type HistogramParams, type LevelTotals } from './log-histogram.js';
import { clampInt, withinMs } from './request-params.js';
import { PrefixExpansions } from './prefix-expansions.js';

export const MAX_PAGE = 5000;
export const DEFAULT_PAGE = 200;

export interface SearchParams {
  q?: string | undefined;
  /** µs, inclusive */
  from?: number | undefined;
  /** µs, inclusive */
  to?: number | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  /**
   * Answer within about this many ms (a page of a search that scans, at 100M records, would take
   * longer than the search deadline): the page may then hold fewer than `limit` records and say
   * how far back it searched (LogPage.searchedBackTo); its cursor goes on from there.
   */
  within?: number | undefined;
}

/** A walk of stored rows that may stop at a time (`at`, performance.now()), and where it stopped. */
interface RowWalkStop {
  at: number;
  /** Set when it stopped: every stored record with an id above this was read (the next page's ids are up to it). */
  below?: number;
}

const TIME_MAX = Number.MAX_SAFE_INTEGER;

/** What the facets count of a record (facetRows). */
export type FacetRow = Pick<LogRow, 'id' | 'severity' | 'logger' | 'service' | 'file_id' | 'attributes'>;
const FACET_COLUMNS = 'l.id, l.severity, l.logger, l.service, l.file_id, l.attributes';

/** The first window of per-minute counts a search narrowed by levels or sources reads (idRanges); each next is 4 times as long. */
const NARROW_WINDOW_MINUTES = 240;

export class LogReader {
  private readonly filePaths = new Map<number, string>();
  private readonly sourcePaths = new Map<number, string>();
  /** The scan of the files' unread bytes (ingest/files/unread-scan.ts, set by engine.ts); none: stored records only. */
  unread: UnreadFiles | null = null;

  constructor(
    private readonly db: Db,
    private readonly writer: LogWriter,
    /** How long one search may run (SEARCH_DEADLINE_MS; tests shorten it). */
    readonly deadlineMs = SEARCH_DEADLINE_MS,
    /** "Now" for open-ended ranges and the level totals' reuse. */
    private readonly clock: Clock = systemClock,
  ) {
    this.parts = ftsPartsOf(db);
    this.histograms = new LogHistogram({
      db,
      writer,
      clock,
      deadlineMs,
      expanderOver: (idMin, idMax) => this.expanderOver(idMin, idMax),
      catalog: () => this.catalog(),
      scanAboveIndex: (...a) => this.scanAboveIndex(...a),
      idRanges: (...a) => this.idRanges(...a),
      unindexedOf: (q) => this.unindexedOf(q),
      unreadPart: () => this.unreadPart(),
    });
    this.prefixes = new PrefixExpansions(db, this.parts);
  }

  /** The volume histogram and level totals (log-histogram.ts). */
  private readonly histograms: LogHistogram;

  /** The full-text index's parts (every read of the index goes through them). */
  private readonly parts: FtsParts;
  /** A bare word's prefix spelled out from the index's words (prefix-expansions.ts). */
  private readonly prefixes: PrefixExpansions;

  private expanderOver(idMin: number, idMax: number): PrefixExpander {
    return this.prefixes.over(idMin, idMax);
  }

  /** Throws SearchTimeoutError past SEARCH_DEADLINE_MS (as do searchRows, histogram and levelTotals). */
  search(p: SearchParams): LogPage {
    const limit = clampInt(p.limit, DEFAULT_PAGE, 1, MAX_PAGE, 'limit');
    const within = withinMs(p.within, this.deadlineMs);
    const stop: RowWalkStop | undefined = within === undefined ? undefined : { at: performance.now() + within };
    const rows = withSearchDeadline(() => this.searchRowsNow(p, limit, 'l.*', stop), this.deadlineMs);
    const unread = this.searchUnread(p, limit);
    // Newest first: a stored record by its id, a pending one by its time (ids are times, bumped on
    // ties), in the page order of page-cursor.ts.
    let merged = [
      ...rows.map((r) => ({ place: { ts: r.id, at: null }, view: this.toView(r) })),
      ...(unread?.matches ?? []).map((m) => ({
        place: { ts: m.row.ts, at: { fileId: m.row.file_id ?? 0, offset: m.offset } },
        view: { ...this.toView(m.row), pending: { file: m.file, offset: m.offset } },
      })),
    ].sort((a, b) => newestFirst(a.place, b.place));
    // Stopped part-way: the page ends where the stored records were read to (a pending record
    // below it comes in its place on a next page, whose cursor starts there).
    const edge = stop?.below === undefined ? null : { ts: stop.below + 1, at: null };
    if (edge) merged = merged.filter((m) => newestFirst(m.place, edge) < 0);
    const kept = merged.slice(0, limit);
    const last = kept[kept.length - 1];
    const full = (rows.length === limit || merged.length >= limit) && last;
    const page: LogPage = {
      records: kept.map((k) => k.view),
      nextCursor: full ? cursorAfter(last.place) : edge ? cursorAfter(edge) : null,
    };
    if (!full && edge) page.searchedBackTo = usToRfc3339(edge.ts);
    const unindexed = this.unindexedOf(p.q);
    if (unindexed) page.unindexed = unindexed;
    if (unread && (unread.searched.bytes > 0 || unread.searched.changed)) page.unread = unread.searched;
    return page;
  }

  /**
   * The records of the files' bytes not read into the store yet (UnreadFiles) for this page: the
   * matches of the search's words there, or with no words (a browse) the records of its time range
   * read newest first from the page's upper bound, both filtered by the search's predicate.
   */
  private searchUnread(p: SearchParams, limit: number): UnreadAnswer | null {
    if (!this.unread) return null;
    const ast = parseQuery(p.q ?? '');
    const needles = literalNeedles(ast);
    const from = p.from ?? 0;
    const below = pendingBelow(p.cursor, p.to ?? TIME_MAX);
    const test = compileToPredicate(ast, sqlAnalysisLookup(this.db));
    const keep = (row: LogRow, offset: number): boolean =>
      row.ts >= from && isBelow(row, offset, below) && test(Object.assign(row, this.pathsOf(row)));
    return needles ? this.unread.scan(needles, keep, limit) : this.unread.browse(from, below.ts, keep, limit, levelsKept(ast));
  }

  /** How much of the watched files is not read into the store yet, when some is. */
  unreadPart(): UnreadPart | undefined {
    const part = this.unread?.measure();
    return part && part.bytes > 0 ? part : undefined;
  }

  /**
   * What a search with these words scans rather than reads from the full-text index: the records
   * not indexed yet and the size of their text. Undefined when the index covers them all, or the
   * search has no text terms.
   */
  unindexedOf(q: string | undefined): UnindexedPart | undefined {
    if (this.unindexedFrom(parseQuery(q ?? '')) === null) return undefined;
    // The indexer's queue says what it has not reached (records and their text's size).
    const { records, bytes } = this.writer.fts.lag();
    return records > 0 ? { records, bytes } : undefined;
  }

  /** The first id a search must scan (the full-text index stops below it), or null when it reads no index. */
  private unindexedFrom(ast: QueryAst): number | null {
    return readsFullText(ast) ? this.writer.ftsIndexedThrough() + 1 : null;
  }

  /**
   * The part of [idMin, idMax] the full-text index has not reached, scanned into `take` (see
   * scanUnindexed); returns the highest id the index is to be read up to.
   */
  private scanAboveIndex(ast: QueryAst, from: number, to: number, idMin: number, idMax: number, take: (row: LogRow) => boolean): number {
    const unindexed = this.unindexedFrom(ast);
    if (unindexed === null || idMax < unindexed) return idMax;
    this.scanUnindexed(ast, from, to, Math.max(idMin, unindexed), idMax, take);
    return unindexed - 1;
  }

  /**
   * Gives `take` the records with ids in [lo, hi] and times in [from, to] that match the search,
   * newest first, until it returns false: their stored text tested by the live tail's predicate
   * (the twin of the index's tokenizer), for the records the full-text index has not reached.
   */
  private scanUnindexed(ast: QueryAst, from: number, to: number, lo: number, hi: number, take: (row: LogRow) => boolean): void {
    const test = compileToPredicate(ast, sqlAnalysisLookup(this.db));
    const stmt = this.db.prepare('SELECT * FROM logs WHERE id >= ? AND id <= ? AND ts >= ? AND ts <= ? ORDER BY id DESC');
    for (const [a, b] of this.idRanges(ast, from, to, lo, hi)) {
      for (const row of stmt.iterate(a, b, from, to) as IterableIterator<LogRow>) {
        checkSearchDeadline();
        noteReached(row.id);
        if (test(Object.assign(row, this.pathsOf(row))) && !take(row)) return;
      }
    }
  }

  /** The newest `limit` rows matching the search, as stored. */
  searchRows(p: SearchParams, limit: number): LogRow[] {
    return withSearchDeadline(() => this.searchRowsNow(p, limit, 'l.*'), this.deadlineMs);
  }

  /**
   * The same rows with the columns the facets count only (FacetRow): the newest 5,000 of a search
   * without their messages read cost a third of the CPU (6 against 22 ms at 10M records).
   * Records not indexed yet come whole (their text is tested in JS). With `stopAt` (a
   * performance.now() time) the walk may stop there: the newest matches up to where it got
   * (`stopped`).
   */
  facetRows(p: SearchParams, limit: number, stopAt?: number): { rows: FacetRow[]; stopped: boolean } {
    const stop: RowWalkStop | undefined = stopAt === undefined ? undefined : { at: stopAt };
    const rows = withSearchDeadline(() => this.searchRowsNow(p, limit, FACET_COLUMNS, stop), this.deadlineMs);
    return { rows, stopped: stop?.below !== undefined };
  }

  private searchRowsNow(p: SearchParams, limit: number, columns: string, stop?: RowWalkStop): LogRow[] {
    const ast = parseQuery(p.q ?? '');
    const from = p.from ?? 0;
    const to = p.to ?? TIME_MAX;
    let idMax = to >= TIME_MAX - this.writer.maxDrift ? TIME_MAX : to + this.writer.maxDrift;
    if (p.cursor !== undefined && p.cursor !== '') idMax = Math.min(idMax, parseCursor(p.cursor).ts - 1);
    return this.selectRows(ast, from, to, from, idMax, limit, columns, stop);
  }

  /**
   * `columns`: what the rows read from the index (`l.*`, or FACET_COLUMNS for facetRows' typed
   * subset). With `stop`, the walk may stop at its time, and says below which id it has not read.
   */
  private selectRows(
    ast: QueryAst,
    from: number,
    to: number,
    idMin: number,
    idMax: number,
    limit: number,
    columns = 'l.*',
    stop?: RowWalkStop,
  ): LogRow[] {
    const rows: LogRow[] = [];
    /**
     * Runs one walk of rows down from id `top`, which may stop at `stop`'s time: true when it did.
     * A walk that stopped has read every row above the id it reached, and the rows it gave below
     * that id: the next page starts below the lower of the two (a row given is not given again;
     * one read and not given may be read again).
     */
    const stopped = (top: number, walk: () => void): boolean => {
      if (!stop) {
        walk();
        return false;
      }
      const given = rows.length;
      const reached = walkUntil(stop.at, top, walk);
      if (reached === null) return false;
      const lowest = rows.length > given ? rows[rows.length - 1]!.id : Infinity;
      stop.below = lowest <= reached ? lowest - 1 : reached;
      return true;
    };
    // The newest records may not be indexed yet: scanned first, then the index takes over below them.
    let indexTop = idMax;
    if (stopped(idMax, () => (indexTop = this.scanAboveIndex(ast, from, to, idMin, idMax, (row) => rows.push(row) < limit)))) return rows;
    if (rows.length >= limit) return rows;
    /** Whether a walk has read rows: only then may the search stop between walks (each call gets somewhere). */
    let walked = indexTop < idMax;
    // The SQL is every part's: a prefix's words go in the MATCH parameters, made for each part read
    // (a page of the newest over all time reads the newest part's vocabulary, not every part's).
    const shape = compileToSql(ast);
    const text =
      shape.fts !== null
        ? `SELECT ${columns} FROM ${FTS_PART} f JOIN logs l ON l.id = f.rowid
             WHERE ${FTS_PART} MATCH ? AND ${ftsRowidRange('f.rowid')} AND l.ts >= ? AND l.ts <= ? AND ${deadlineSql('f.rowid')}
               AND (${shape.where})
             ORDER BY f.rowid DESC LIMIT ?`
        : `SELECT ${columns} FROM logs l
             WHERE l.id >= ? AND l.id <= ? AND l.ts >= ? AND l.ts <= ? AND ${deadlineSql('l.id')} AND (${shape.where})
               ${levelIndexSql(ast)}
             ORDER BY l.id DESC LIMIT ?`;
    // The index's parts newest first (a search's nested matches read the part too), until the page is full.
    for (const [lo, hi] of this.idRanges(ast, from, to, idMin, indexTop)) {
      for (const [stmt, a, b] of this.parts.over(text, lo, hi)) {
        // Out of time between two walks: every row above this one's top was read.
        if (stop && walked && timePassed(stop.at)) {
          stop.below = b;
          return rows;
        }
        const sql = compileToSql(ast, { expandPrefix: this.expanderOver(a, b) });
        const head = sql.fts !== null ? [withLevelTags(sql.fts, ast)] : [];
        const walk = (): void => {
          for (const row of stmt.iterate(...head, a, b, from, to, ...sql.params, limit - rows.length) as IterableIterator<LogRow>)
            rows.push(row);
        };
        if (stopped(b, walk) || rows.length >= limit) return rows;
        walked = true;
      }
    }
    return rows;
  }

  /**
   * The id ranges, newest first, that can hold the matches of a search within [idMin, idMax]. When
   * the search's top-level AND has level or source terms that only some minutes have records for
   * (`level:error` over a week with errors in three minutes of it), the per-minute counts say which
   * minutes to read: the rest of the table is never walked. Otherwise the one range. The counts are
   * read a window of minutes at a time, newest first, as the caller walks on: a page of a search
   * whose terms most minutes have (`timeout level:error`) ends in the first window, where reading
   * every minute of 100M records' week first cost 10–20 ms a search.
   */
  private *idRanges(ast: QueryAst, from: number, to: number, idMin: number, idMax: number): Generator<[number, number]> {
    if (idMin > idMax) return;
    const filters = narrowingFilters(ast, this.catalog());
    if (!filters) {
      yield [idMin, idMax];
      return;
    }
    const cond = rollupCondition(filters);
    // Each minute with records, and whether it has records of the search's cells.
    const minutesOf = this.db
      .prepare(`SELECT minute, max(${cond.where}) FROM log_counts WHERE minute >= ? AND minute <= ? GROUP BY minute ORDER BY minute DESC`)
      .raw();
    // A record of minute m has an id in [m, m + 1 min + drift): ids are times, bumped on ties.
    const reach = MINUTE_US - 1 + this.writer.maxDrift;
    const first = Math.max(Math.floor(from / MINUTE_US) * MINUTE_US, idMin - reach);
    // The highest id not given yet: each range given is cut below the one before (a range's top
    // is its newest minute's reach, so what is cut off was given already).
    let next = idMax;
    let size = NARROW_WINDOW_MINUTES;
    // From the newest minute with records (an open range's end is far past it).
    const newest = this.db.prepare('SELECT max(minute) FROM log_counts WHERE minute <= ?').pluck().get(Math.min(to, idMax)) as
      number | null;
    for (let top = newest ?? first - 1; top >= first && next >= idMin; size *= 4) {
      const bottom = Math.max(first, top - (size - 1) * MINUTE_US);
      const minutes = minutesOf.all(...cond.params, bottom, top) as [number, number][];
      const hits = minutes.filter(([, hit]) => hit).map(([m]) => m);
      // Most minutes of the window have such records: one walk finds them as fast.
      const window: [number, number][] = hits.length * 2 > minutes.length ? [[bottom, top + reach]] : hits.map((m) => [m, m + reach]);
      let run: [number, number] | null = null;
      for (const [lo, hi] of window) {
        const start = Math.max(lo, idMin);
        const end = Math.min(hi, next);
        if (start > end) continue;
        if (run && end + 1 >= run[0]) run[0] = start;
        else {
          if (run) yield run;
          run = [start, end];
        }
        next = start - 1;
      }
      if (run) yield run;
      top = bottom - MINUTE_US;
    }
  }

  /**
   * How many records match the search in [from, to] (µs, inclusive), exactly: from the rows, not
   * the per-minute counts (a log rule's window is not whole minutes). Throws past the deadline.
   */
  count(p: { q: string; from: number; to: number }): number {
    let n = 0;
    this.countRows(
      p,
      'count(*)',
      '',
      (row) => (n += row as number),
      () => n++,
    );
    return n;
  }

  /**
   * The same count per second of `ts` (second → records; seconds without any left out): where a
   * log rule's kept count starts (signals/logs/live/window-counts.ts).
   */
  countBySecond(p: { q: string; from: number; to: number }): Map<number, number> {
    const bySecond = new Map<number, number>();
    const add = (second: number, n: number): void => void bySecond.set(second, (bySecond.get(second) ?? 0) + n);
    this.countRows(
      p,
      'l.ts / 1000000, count(*)',
      'GROUP BY 1',
      (row) => add(...(row as [number, number])),
      (row) => add(Math.trunc(row.ts / 1_000_000), 1),
    );
    return bySecond;
  }

  /**
   * `SELECT <select> … <tail>` over the indexed matches in [from, to], each id range's rows given to
   * `take`; the matches not indexed yet are given one by one to `takeScanned`.
   */
  private countRows(
    p: { q: string; from: number; to: number },
    select: string,
    tail: string,
    take: (row: unknown) => void,
    takeScanned: (row: LogRow) => void,
  ): void {
    withSearchDeadline(() => {
      const ast = parseQuery(p.q);
      const idMax = this.scanAboveIndex(ast, p.from, p.to, p.from, p.to + this.writer.maxDrift, (row) => {
        takeScanned(row);
        return true;
      });
      // The SQL is every part's; the MATCH parameters made for each part read (as selectRows').
      const sql = compileToSql(ast);
      // The index's matches walked newest first (in a subquery): FTS5's forward seek to a range's
      // start crosses retention's tombstones (see index-counts.ts).
      const text =
        sql.fts !== null
          ? `SELECT ${select} FROM (
               SELECT l.ts FROM ${FTS_PART} f JOIN logs l ON l.id = f.rowid
               WHERE ${FTS_PART} MATCH ? AND ${ftsRowidRange('f.rowid')} AND l.ts >= ? AND l.ts <= ? AND ${deadlineSql('f.rowid')}
                 AND (${sql.where})
               ORDER BY f.rowid DESC
             ) l ${tail}`
          : `SELECT ${select} FROM logs l
               WHERE l.id >= ? AND l.id <= ? AND l.ts >= ? AND l.ts <= ? AND ${deadlineSql('l.id')} AND (${sql.where}) ${tail}`;
      for (const [lo, hi] of this.idRanges(ast, p.from, p.to, p.from, idMax)) {
        for (const [stmt, a, b] of this.parts.over(text, lo, hi)) {
          const there = compileToSql(ast, { expandPrefix: this.expanderOver(a, b) });
          const head = there.fts !== null ? [there.fts] : [];
          const read = tail === '' ? stmt.pluck() : stmt.raw();
          for (const row of read.all(...head, a, b, p.from, p.to, ...there.params)) take(row);
        }
      }
    }, this.deadlineMs);
  }

  /** How far the full-text index has got behind the records (what a search would scan beside it). */
  ftsLag(): FtsLag {
    return this.writer.fts.lag();
  }

  /** Sources and files by path, for the histogram to read `source:` terms from the rollup. */
  private catalog(): SourceCatalog {
    return {
      sources: this.db.prepare('SELECT id, path FROM sources').all() as SourceCatalog['sources'],
      files: this.db.prepare('SELECT id, source_id, path FROM files').all() as SourceCatalog['files'],
    };
  }

  getRow(id: number): LogRow | undefined {
    return this.db.prepare('SELECT * FROM logs WHERE id = ?').get(id) as LogRow | undefined;
  }

  /** The records before and after one record in the same file (or, for OTLP records, the same service). */
  context(id: number, before: number, after: number): { before: LogRecordView[]; record: LogRecordView; after: LogRecordView[] } {
    const row = this.getRow(id);
    if (!row) throw new NotFoundError(`No record with id ${id}.`);
    const nBefore = clampInt(before, 10, 0, MAX_PAGE, 'before');
    const nAfter = clampInt(after, 10, 0, MAX_PAGE, 'after');
    const same = row.file_id !== null ? 'file_id = ?' : 'file_id IS NULL AND service IS ?';
    const key = row.file_id !== null ? row.file_id : row.service;
    const older = this.db.prepare(`SELECT * FROM logs WHERE id < ? AND ${same} ORDER BY id DESC LIMIT ?`).all(id, key, nBefore) as LogRow[];
    const newer = this.db.prepare(`SELECT * FROM logs WHERE id > ? AND ${same} ORDER BY id ASC LIMIT ?`).all(id, key, nAfter) as LogRow[];
    return {
      before: older.reverse().map((r) => this.toView(r)),
      record: this.toView(row),
      after: newer.map((r) => this.toView(r)),
    };
  }

  histogram(p: HistogramParams): HistogramView {
    return this.histograms.histogram(p);
  }

  /** How many records of each level the search matches (from a histogram of the same search just made, if any). */
  levelTotals(p: Omit<HistogramParams, 'buckets'>): LevelTotals {
    return this.histograms.levelTotals(p);
  }

  toView(r: LogRow): LogRecordView {
    const view: LogRecordView = {
      id: r.id,
      timestamp: usToRfc3339(r.ts),
      level: levelOf(r.severity),
      severityNumber: r.severity,
      message: r.message,
    };
    if (r.flags & LOG_FLAG_TS_INFERRED) view.timestampInferred = true;
    if (r.flags & LOG_FLAG_TRUNCATED) view.truncated = true;
    if (r.level_text !== null) view.severityText = r.level_text;
    if (r.logger !== null) view.logger = r.logger;
    if (r.attributes !== null) view.attributes = JSON.parse(r.attributes) as Record<string, unknown>;
    if (r.source_id !== null) {
      const s = this.pathOf('sources', this.sourcePaths, r.source_id);
      if (s !== undefined) view.source = s;
    }
    const file = this.fileOf(r);
    if (file !== undefined) view.file = file;
    if (r.trace_id !== null) view.traceId = r.trace_id;
    if (r.span_id !== null) view.spanId = r.span_id;
    if (r.service !== null) view.service = r.service;
    if (r.exc_type !== null) view.exception = { type: r.exc_type, message: r.exc_message ?? '' };
    return view;
  }

  /** The path of a row's file (as toView gives it). */
  fileOf(r: Pick<LogRow, 'file_id'>): string | undefined {
    return r.file_id === null ? undefined : this.pathOf('files', this.filePaths, r.file_id);
  }

  /** The source's and file's paths of a row (what `source:` terms match). */
  pathsOf(r: LogRow): { source_path: string | null; file_path: string | null } {
    return {
      source_path: r.source_id === null ? null : (this.pathOf('sources', this.sourcePaths, r.source_id) ?? null),
      file_path: this.fileOf(r) ?? null,
    };
  }

  /**
   * Paths by id, cached: rows name files and sources by id, and there are few of them. A file
   * renamed by a rotation keeps showing the name its records were read under.
   */
  private pathOf(table: 'files' | 'sources', cache: Map<number, string>, id: number): string | undefined {
    let path = cache.get(id);
    if (path === undefined) {
      path = this.db.prepare(`SELECT path FROM ${table} WHERE id = ?`).pluck().get(id) as string | undefined;
      if (path !== undefined) cache.set(id, path);
    }
    return path;
  }
}

/**
 * A search's FTS5 expression with its top-level level terms as the index's tag words (see
 * ftsLevelTags), when they leave some levels out: the rows' own level check (in `where`) stays, so
 * the answer is the same, but only the records of those levels are read.
 */
function withLevelTags(fts: string, ast: QueryAst): string {
  const { min, max } = levelsKept(ast);
  if (min > max || (min === 0 && max === MAX_LEVEL_INDEX)) return fts;
  return `(${fts}) AND (${ftsLevelTags(min, max)})`;
}

/** The lowest level (warn) the index logs_by_level holds (migration 20). */
const INDEXED_LEVEL_MIN = 3;

/**
 * For a search that keeps one level of those logs_by_level holds: the terms (redundant with the
 * search's own) that let SQLite walk that index, the level's records in id order. Else ''.
 */
function levelIndexSql(ast: QueryAst): string {
  const { min, max } = levelsKept(ast);
  // The index's own expression and condition, as SQLite must see them to use it.
  return min === max && min >= INDEXED_LEVEL_MIN ? `AND (l.severity - 1) / 4 = ${min} AND l.severity >= 13` : '';
}

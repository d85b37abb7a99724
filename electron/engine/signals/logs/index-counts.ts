// A search of words and levels (`timeout`, `timeout level:error`) counted by time bucket in the
// full-text index alone: ids are times, so a match's id buckets it, and its level is a hidden word
// of its index row (fts-index.ts's tags). The histogram (log-histogram.ts) counts with it, by minute
// (kept, word-minute-counts.ts) or by its buckets.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../core/database.js';
import type { LogWriter } from './log-writer.js';
import { deadlineSql } from './query/index.js';
import { MAX_LEVEL_INDEX } from './query/levels.js';
import { ftsLevelTags, ftsRowidRange } from './fts-index.js';
import { FTS_PART, ftsPartsOf, type FtsPart, type FtsParts } from './fts-parts.js';
import { LEVEL_SUMS, MINUTE_US, levelIndexOf } from './rollup.js';

/** Above this many matches a bucket on average, a word's matches are counted bucket by bucket (see count)… */
const PER_BUCKET_MATCHES = 1000;
/** …as known after counting this many buckets one by one (when no guess is at hand). */
const PROBE_BUCKETS = 4;

/** A search's FTS5 expression (or more) for one part of the index, given the part and the ids read in it. */
export type InPart<T> = (part: FtsPart | null, a: number, z: number) => T;

/** A search of words and levels (log-histogram.ts's wordsAndLevels). */
export interface WordsAndLevels {
  /** Its FTS5 expression with its prefixes left to FTS5: what its kept counts are known by. */
  key: string;
  /** Its FTS5 expression in a part, its prefixes spelled out from that part's words. */
  fts: InPart<string>;
  min: number;
  max: number;
}

/** A word search's counts by bucket, read from the index's parts (one connection's). */
export class IndexCounts {
  private readonly statements: {
    levelsPresent: Statement;
    /** Whether any record has an id in [lo, hi] (an edge window worth reading). */
    anyRecord: Statement;
    /** SQL over one part of the index (FTS_PART). */
    perBucket: string;
    inIds: string;
    edgeRows: string;
    edgeRowsInPass: string;
  };
  private readonly parts: FtsParts;

  constructor(
    db: Db,
    private readonly writer: LogWriter,
  ) {
    // Every full-text read here walks the matches newest first (ORDER BY rowid DESC, in a subquery
    // for a count): FTS5 seeks a rowid range's top end at once, while its forward seek to the range's
    // start, once retention's deletes left tombstones in a segment, crossed them first — a minute's
    // count 0.2 → 228 ms at 100M records after 2M deletes, 0.2 ms again newest first.
    this.statements = {
      // The levels side by side in one row (a GROUP BY sorted every minute's rows first).
      levelsPresent: db.prepare(`SELECT ${LEVEL_SUMS} FROM log_counts WHERE minute >= ? AND minute <= ?`).raw(),
      anyRecord: db.prepare('SELECT 1 FROM logs WHERE id >= ? AND id <= ? LIMIT 1').pluck(),
      // Over each part of the index in the range (FtsParts.over), newest first.
      // A JS number binds as a REAL: the bucket's number is an integer division only with integers.
      perBucket: `SELECT (rowid - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS b, count(*) FROM (
           SELECT rowid FROM ${FTS_PART}
           WHERE ${FTS_PART} MATCH ? AND ${ftsRowidRange('rowid')} AND (rowid - ?) % ? >= ? AND ${deadlineSql('rowid')}
           ORDER BY rowid DESC
         ) GROUP BY b`,
      inIds: `SELECT count(*) FROM (
           SELECT rowid FROM ${FTS_PART} WHERE ${FTS_PART} MATCH ? AND ${ftsRowidRange('rowid')} AND ${deadlineSql('rowid')} ORDER BY rowid DESC
         )`,
      edgeRows: `SELECT l.ts, l.severity FROM ${FTS_PART} f JOIN logs l ON l.id = f.rowid
         WHERE ${FTS_PART} MATCH ? AND ${ftsRowidRange('f.rowid')} AND l.ts >= ? AND l.ts <= ? AND ${deadlineSql('f.rowid')}
         ORDER BY f.rowid DESC`,
      edgeRowsInPass: `SELECT l.ts, l.severity FROM ${FTS_PART} f JOIN logs l ON l.id = f.rowid
         WHERE ${FTS_PART} MATCH ? AND ${ftsRowidRange('f.rowid')} AND (f.rowid - ?) % ? < ?
           AND l.ts >= ? AND l.ts <= ? AND ${deadlineSql('f.rowid')}
         ORDER BY f.rowid DESC`,
    };
    this.parts = ftsPartsOf(db);
  }

  /**
   * The histogram of a search of words (and levels) counted in the full-text index alone: ids are
   * times bumped on ties by at most maxDrift, so a match whose id lies at least maxDrift past its
   * bucket's start (and within the range) has its time in that bucket too, and its level is a word
   * of its index row (fts-index.ts's tags): no row is read. The few others (ids within the drift
   * of a bucket's start, or past the range's end) are read for their time and level. The levels
   * present are counted one by one, but the commonest: that one is the rest of the total.
   */
  count(
    q: WordsAndLevels,
    from: number,
    to: number,
    idMax: number,
    width: number,
    buckets: number,
    bump: (ts: number, level: number, n: number) => void,
  ): void {
    const drift = this.writer.maxDrift;
    const sums = this.statements.levelsPresent.get(Math.floor(from / MINUTE_US) * MINUTE_US, to) as (number | null)[];
    // [level, records] of the levels kept that have records in the range, the commonest first.
    const present = sums
      .map((n, level): [number, number] => [level, n ?? 0])
      .filter(([level, n]) => n > 0 && level >= q.min && level <= q.max)
      .sort((a, b) => b[1] - a[1]);
    if (present.length === 0) return;
    // Every level is counted by its tag, unless the search keeps all those present: then the commonest is the rest.
    const keepsAll = q.min === 0 && q.max === MAX_LEVEL_INDEX;
    const rest = keepsAll && present.length > 1 ? present[0]![0] : null;
    const exactMax = Math.min(to, idMax);
    // The ids counted in bucket b: past the drift of its start, up to its end or the range's.
    const countedIds = (b: number): [number, number] => [from + b * width + drift, Math.min(from + (b + 1) * width - 1, exactMax)];
    /**
     * A search's matches by bucket: one count a bucket while they average more than
     * PER_BUCKET_MATCHES (a GROUP BY sorts every match, ~0.16 µs each at 10M: 150 of a common
     * word's 210 ms over the whole range), else the rest in one grouped pass (a count costs FTS5
     * ~0.1–0.5 ms to set up: a rare word's 100 buckets, 10–50 ms). `probe`: the buckets counted one
     * by one before their average decides (all of them: counted so whatever they hold).
     */
    let counted = 0;
    const countLevel = (match: InPart<string>, level: number, probe: number): Map<number, number> => {
      const byBucket = new Map<number, number>();
      let b = 0;
      for (let seen = 0; b < buckets && (b < probe || seen > b * PER_BUCKET_MATCHES); b++) {
        const [lo, hi] = countedIds(b);
        let n = 0;
        for (const [stmt, a, z, part] of this.parts.over(this.statements.inIds, lo, hi))
          n += stmt.pluck().get(match(part, a, z), a, z) as number;
        if (n > 0) byBucket.set(b, n);
        seen += n;
      }
      if (b < buckets) {
        for (const [grouped, lo, hi, part] of this.parts.over(this.statements.perBucket, from + b * width, exactMax)) {
          for (const [bucket, n] of grouped.raw().all(from, width, match(part, lo, hi), lo, hi, from, width, drift) as [number, number][]) {
            byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + n);
          }
        }
      }
      if (level >= 0) for (const [bucket, n] of byBucket) bump(from + bucket * width, level, n);
      for (const n of byBucket.values()) counted += n;
      return byBucket;
    };
    const tagged =
      (level: number): InPart<string> =>
      (part, a, z) =>
        `(${q.fts(part, a, z)}) AND (${ftsLevelTags(level, level)})`;
    if (rest === null) {
      for (const [level] of present) countLevel(tagged(level), level, PROBE_BUCKETS);
    } else {
      const all = countLevel(q.fts, -1, PROBE_BUCKETS);
      // A level's matches a bucket, guessed from the word's and the level's share of the records
      // (probing cost ~2 ms a level at 100M): bucket by bucket when many, else one grouped pass.
      let matches = 0;
      for (const n of all.values()) matches += n;
      const levelRecords = present.reduce((sum, [, n]) => sum + n, 0);
      for (const [level, records] of present) {
        if (level === rest) continue;
        const many = (matches * records) / levelRecords / buckets > PER_BUCKET_MATCHES;
        for (const [b, n] of countLevel(tagged(level), level, many || buckets === 1 ? buckets : 0)) all.set(b, all.get(b)! - n);
      }
      for (const [b, n] of all) if (n > 0) bump(from + b * width, rest, n);
    }
    // A row read for its time and level counts when its level is one the search keeps.
    const bumpKept = (ts: number, severity: number): void => {
      const level = levelIndexOf(severity);
      if (level >= q.min && level <= q.max) bump(ts, level, 1);
    };
    // The ids read row by row: within the drift of each bucket's start, and past the range's end —
    // by id ranges when there are few of them or many matches, else in one pass over the matches.
    const edges: [number, number][] = [];
    if (drift > 0 && (counted > buckets * PER_BUCKET_MATCHES || buckets <= PROBE_BUCKETS)) {
      for (let b = 0; b < buckets; b++) {
        const [lo, hi] = [from + b * width, Math.min(from + b * width + drift - 1, exactMax)];
        // A window of a few µs mostly holds no record: a look-up of the records' key tells (~3 µs),
        // where the full-text query it spares sets up for ~50 µs (a word's first look over a week
        // is 10,080 one-minute buckets).
        if (lo <= hi && this.statements.anyRecord.get(lo, hi) !== undefined) edges.push([lo, hi]);
      }
    } else if (drift > 0) {
      for (const [inPass, lo, hi, part] of this.parts.over(this.statements.edgeRowsInPass, from, exactMax)) {
        for (const [ts, severity] of inPass.raw().iterate(q.fts(part, lo, hi), lo, hi, from, width, drift, from, to) as IterableIterator<
          [number, number]
        >)
          bumpKept(ts, severity);
      }
    }
    edges.push([exactMax + 1, idMax]);
    for (const [lo, hi] of edges) {
      for (const [edgeRows, a, b, part] of this.parts.over(this.statements.edgeRows, lo, hi)) {
        for (const [ts, severity] of edgeRows.raw().iterate(q.fts(part, a, b), a, b, from, to) as IterableIterator<[number, number]>)
          bumpKept(ts, severity);
      }
    }
  }
}

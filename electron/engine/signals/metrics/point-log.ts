// The fold of the metric point log (migration 13): OTLP metric points are acknowledged once they
// are appended to metric_points_log (no index: a transaction writes a few pages whatever the
// number of series), and moved into metric_points, sorted by series and time, by one transaction
// that also deletes them from the log. Moving many points of each series at once writes each
// series' page of the (series_id, ts) index once per fold instead of once per request.
// The fold also writes the moved points' rollups (rollup-chunks.ts), in the same transaction: the
// OTLP writer adds each point to the log's Rollups (logRollups) as it logs it, which keeps in
// memory what it would write, and the fold writes it, one chunk update per series per fold rather
// than one per request that closed a slot. What is kept in memory is lost with the process, and
// is wrong after a failed write: the log's Rollups is then not trusted, and the next fold rolls
// the log up from the moved points themselves (reading back only those a rollup may keep: see
// rollupCandidates).
//
// When: the OTLP ingest folds past FOLD_POINTS logged points or FOLD_DELAY_MS after a write, and
// every reader of metric_points that must see each acknowledged point (the PromQL store, the
// metrics list) folds first: that is the whole read side of the log, no query reads it.
import type { Db } from '../../core/database.js';
import { Rollups, type RollupPoint } from './rollup-chunks.js';

/** Logged points past which the ingest folds at once. */
export const FOLD_POINTS = 50_000;
/** How long logged points wait for others to share their fold. */
export const FOLD_DELAY_MS = 1000;

/** Ids per block of metric_point_blocks (migration 12 groups existing points by the same number). */
export const POINT_BLOCK_IDS = 65_536;

const COLUMNS = 'series_id, start_us, ts, value, int_value, count, sum, min, max, distribution, bounds_id, bucket_counts, exemplars, flags';

/** The log's insert of `rows` points (14 parameters each, in COLUMNS' order). */
export function pointLogInsert(rows: number): string {
  return `INSERT INTO metric_points_log (${COLUMNS}) VALUES ${new Array<string>(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
}

/** Widens the time bounds of the id blocks metric_points ids [first, last] fall in (retention reads them). */
export function blockWidener(db: Db): (first: number, last: number, minTs: number, maxTs: number) => void {
  const widen = db.prepare(
    `INSERT INTO metric_point_blocks (block, min_ts, max_ts) VALUES (?, ?, ?)
     ON CONFLICT (block) DO UPDATE SET min_ts = min(min_ts, excluded.min_ts), max_ts = max(max_ts, excluded.max_ts)`,
  );
  return (first, last, minTs, maxTs) => {
    for (let block = Math.floor(first / POINT_BLOCK_IDS); block <= Math.floor(last / POINT_BLOCK_IDS); block++) {
      widen.run(block, minTs, maxTs);
    }
  };
}

/**
 * The series metric-writer.ts rolls up (its rolledUp()): cumulative monotonic sums and cumulative
 * histograms, `s` being their metric_series row.
 */
const ROLLED_UP_SERIES = `s.temporality <> 1 AND ((s.type = 'sum' AND s.monotonic = 1) OR s.type IN ('histogram', 'exponential_histogram'))`;

/** The columns of a rollup candidate, in the order rollupPoint reads them. */
const CANDIDATE_COLUMNS = 'series_id, ts, start_us, value, int_value, count, sum, distribution, bounds_id, bucket_counts, flags';
type CandidateRow = [
  number,
  number,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  string | null,
  number | null,
  Buffer | null,
  number,
];

/**
 * The points of rolled-up series among metric_points ids [@first, @last] (a fold's, by series
 * then time) that Rollups.add may keep or must see: a series' first and last point of the range,
 * and those next to a reset (level down, or another start time), a 1-minute slot's edge (hour
 * slots' edges are minute ones), the same time twice, or a missing start time. Any other point
 * changes nothing Rollups.add decides: its slot goes on past it, its neighbours are no reset of
 * each other as they are none of it, and it is never kept itself. Most points of a series sent
 * every few seconds are such, and are not read back.
 */
function rollupCandidates(db: Db) {
  const level = 'coalesce(m.count, m.value, m.int_value, 0)';
  const near = (f: 'lag' | 'lead', col: string): string => `${f}(${col}) OVER w`;
  return db
    .prepare(
      `SELECT ${CANDIDATE_COLUMNS} FROM (
         SELECT m.id, m.series_id, m.ts, m.start_us, m.value, m.int_value, m.count, m.sum, m.distribution, m.bounds_id,
           m.bucket_counts, m.flags, ${level} AS level,
           ${near('lag', 'm.series_id')} AS prev_series, ${near('lead', 'm.series_id')} AS next_series,
           ${near('lag', 'm.ts')} AS prev_ts, ${near('lead', 'm.ts')} AS next_ts,
           ${near('lag', level)} AS prev_level, ${near('lead', level)} AS next_level,
           ${near('lag', 'm.start_us')} AS prev_start, ${near('lead', 'm.start_us')} AS next_start
         FROM metric_points m JOIN metric_series s ON s.id = m.series_id
         WHERE m.id BETWEEN @first AND @last AND ${ROLLED_UP_SERIES}
         WINDOW w AS (ORDER BY m.id)
       ) WHERE prev_series IS NOT series_id OR next_series IS NOT series_id OR start_us IS NULL
         OR prev_ts = ts OR next_ts = ts OR next_ts / 60000000 <> ts / 60000000
         OR level < prev_level OR next_level < level OR start_us <> prev_start OR start_us <> next_start
       ORDER BY id`,
    )
    .raw();
}

function rollupPoint(r: CandidateRow): RollupPoint {
  const [, ts, startUs, value, intValue, count, sum, distribution, boundsId, bucketCounts, flags] = r;
  return { ts, startUs: startUs ?? 0, value: value ?? intValue, count, sum, distribution, boundsId, bucketCounts, flags };
}

const folders = new WeakMap<Db, () => number>();
const logRollupsByDb = new WeakMap<Db, Rollups>();

/**
 * The rollups of the points logged in `db`, written by its folds (the OTLP writer adds its points
 * to it): not trusted if the log holds points already (a previous run's, not added to it).
 */
export function logRollups(db: Db): Rollups {
  let rollups = logRollupsByDb.get(db);
  if (!rollups) {
    logRollupsByDb.set(db, (rollups = new Rollups(db)));
    rollups.trusted = db.prepare('SELECT 1 FROM metric_points_log LIMIT 1').get() === undefined;
  }
  return rollups;
}

/**
 * Moves every logged point into metric_points, in one transaction; returns how many. An empty log
 * costs one indexed lookup. Inside a caller's transaction it is a savepoint of it.
 */
export function foldPointLog(db: Db): number {
  let fold = folders.get(db);
  if (!fold) folders.set(db, (fold = folderOf(db)));
  return fold();
}

function folderOf(db: Db): () => number {
  const any = db.prepare('SELECT 1 FROM metric_points_log LIMIT 1').pluck();
  const times = db.prepare('SELECT min(ts) AS minTs, max(ts) AS maxTs FROM metric_points_log');
  const lastId = db.prepare('SELECT coalesce(max(id), 0) FROM metric_points').pluck();
  // Sorted, so the index's page of each series is written once for all of its points (the same
  // time twice in arrival order: the one Rollups keeps).
  const move = db.prepare(`INSERT INTO metric_points (${COLUMNS}) SELECT ${COLUMNS} FROM metric_points_log ORDER BY series_id, ts, rowid`);
  const clear = db.prepare('DELETE FROM metric_points_log');
  const widen = blockWidener(db);
  const candidates = rollupCandidates(db);
  const seriesPoints = db
    .prepare(`SELECT ${CANDIDATE_COLUMNS} FROM metric_points WHERE series_id = ? AND id BETWEEN ? AND ? ORDER BY ts, id`)
    .raw();
  const rollups = logRollups(db);
  /**
   * Adds a series' candidates; when one would be ignored (older than the series' newest point
   * rolled up, or the same time twice), the points left out may matter: all of them are added.
   */
  const addSeries = (rows: CandidateRow[], first: number, last: number): void => {
    const seriesId = rows[0]![0];
    const newest = rollups.newestTs(seriesId);
    const ignored = (newest !== undefined && rows[0]![1] <= newest) || rows.some((r, i) => i > 0 && r[1] === rows[i - 1]![1]);
    if (ignored) rows = seriesPoints.all(seriesId, first, last) as CandidateRow[];
    for (const r of rows) rollups.add(seriesId, rollupPoint(r));
  };
  /** Rolls the moved points [first, last] up from themselves: what the writer kept is dropped. */
  const rollUpMoved = (first: number, last: number): void => {
    rollups.clear();
    let series: CandidateRow[] = [];
    for (const r of candidates.iterate({ first, last }) as IterableIterator<CandidateRow>) {
      if (series.length > 0 && series[0]![0] !== r[0]) {
        addSeries(series, first, last);
        series = [];
      }
      series.push(r);
    }
    if (series.length > 0) addSeries(series, first, last);
  };
  const tx = db.transaction((): number => {
    const { minTs, maxTs } = times.get() as { minTs: number | null; maxTs: number | null };
    if (minTs === null || maxTs === null) return 0;
    // Ids are given in order from the highest one up: the moved points are (before, before + moved].
    const before = lastId.get() as number;
    const moved = move.run().changes;
    widen(before + 1, before + moved, minTs, maxTs);
    if (!rollups.trusted) rollUpMoved(before + 1, before + moved);
    rollups.flush();
    rollups.trusted = true;
    clear.run();
    return moved;
  });
  // IMMEDIATE: the log read and the delete see the same rows even if another connection writes.
  return () => {
    if (any.get() === undefined) return 0;
    try {
      return tx.immediate();
    } catch (err) {
      // Rolled back: the open points and chunks the rollups moved on may not be what is stored.
      rollups.trusted = false;
      throw err;
    }
  };
}

// The fold of the metric point log (migration 13): OTLP metric points are acknowledged once they
// are appended to metric_points_log (no index: a transaction writes a few pages whatever the
// number of series), and moved into metric_points, sorted by series and time, by one transaction
// that also deletes them from the log. Moving many points of each series at once writes each
// series' page of the (series_id, ts) index once per fold instead of once per request.
//
// When: the OTLP ingest folds past FOLD_POINTS logged points or FOLD_DELAY_MS after a write, and
// every reader of metric_points that must see each acknowledged point (the PromQL store, the
// metrics list) folds first: that is the whole read side of the log, no query reads it.
import type { Db } from '../../core/database.js';

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

const folders = new WeakMap<Db, () => number>();

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
  // Sorted, so the index's page of each series is written once for all of its points.
  const move = db.prepare(`INSERT INTO metric_points (${COLUMNS}) SELECT ${COLUMNS} FROM metric_points_log ORDER BY series_id, ts`);
  const clear = db.prepare('DELETE FROM metric_points_log');
  const widen = blockWidener(db);
  const tx = db.transaction((): number => {
    const { minTs, maxTs } = times.get() as { minTs: number | null; maxTs: number | null };
    if (minTs === null || maxTs === null) return 0;
    // Ids are given in order from the highest one up: the moved points are (before, before + moved].
    const before = lastId.get() as number;
    const moved = move.run().changes;
    widen(before + 1, before + moved, minTs, maxTs);
    clear.run();
    return moved;
  });
  // IMMEDIATE: the log read and the delete see the same rows even if another connection writes.
  return () => (any.get() === undefined ? 0 : tx.immediate());
}

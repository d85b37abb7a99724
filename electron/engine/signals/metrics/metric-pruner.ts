// Retention of metric points, a chunk per transaction: by age, the points older than the cutoff,
// found through metric_point_blocks (migration 12: per block of ids, bounds of its points' times)
// rather than an index on time that every insert would update; by size, the oldest points by
// arrival (the lowest ids). Then the rollup chunks (metric_rollups) whose newest sample is older
// than the raw points kept. The point log is folded first (point-log.ts), so retention judges every
// point stored.
import type { Pruner } from '../../core/module.js';
import type { Db } from '../../core/database.js';
import { RETENTION_CHUNK, rowsToFree } from '../../core/retention.js';
import { POINT_BLOCK_IDS } from './metric-writer.js';
import { foldPointLog } from './point-log.js';

declare module '../../core/events.js' {
  interface EngineEvents {
    /** Retention deleted metric points (the rules' point cache starts again). */
    'points.deleted': { points: number };
  }
}

interface Block {
  block: number;
  min_ts: number;
  max_ts: number;
}

export class MetricPruner implements Pruner {
  readonly name = 'metrics';
  private readonly oldestTs;
  private readonly oldBlock;
  private readonly deleteOlderIn;
  private readonly deleteRange;
  private readonly oldestIn;
  private readonly narrowBlock;
  private readonly dropBlock;
  private readonly deleteLowest;
  private readonly dropBlocksBefore;
  private readonly deleteRollups;

  constructor(
    private readonly db: Db,
    /** Told of each chunk of points deleted. */
    private readonly onDeleted: (points: number) => void = () => undefined,
  ) {
    this.oldestTs = db.prepare('SELECT ts FROM metric_points ORDER BY id LIMIT 1').pluck();
    this.oldBlock = db.prepare('SELECT block, min_ts, max_ts FROM metric_point_blocks WHERE min_ts < ? ORDER BY min_ts LIMIT 1');
    this.deleteOlderIn = db.prepare(
      'DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points WHERE id BETWEEN ? AND ? AND ts < ? LIMIT ?)',
    );
    this.deleteRange = db.prepare('DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points WHERE id BETWEEN ? AND ? LIMIT ?)');
    this.oldestIn = db.prepare('SELECT min(ts) FROM metric_points WHERE id BETWEEN ? AND ?').pluck();
    this.narrowBlock = db.prepare('UPDATE metric_point_blocks SET min_ts = ? WHERE block = ?');
    this.dropBlock = db.prepare('DELETE FROM metric_point_blocks WHERE block = ?');
    this.deleteLowest = db.prepare('DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points ORDER BY id LIMIT ?)');
    // No point left: every block goes.
    this.dropBlocksBefore = db.prepare(
      `DELETE FROM metric_point_blocks WHERE block < coalesce((SELECT min(id) FROM metric_points) / ${POINT_BLOCK_IDS}, 1e18)`,
    );
    this.deleteRollups = db.prepare(
      `DELETE FROM metric_rollups WHERE (series_id, res, start_ts) IN
         (SELECT series_id, res, start_ts FROM metric_rollups WHERE end_ts < ? ORDER BY end_ts LIMIT ?)`,
    );
  }

  /** The time of the oldest point by arrival (what pruneOldest deletes first). */
  oldestUs(): number | null {
    foldPointLog(this.db);
    return (this.oldestTs.get() as number | undefined) ?? null;
  }

  pruneOlderThan(cutoffUs: number): number {
    foldPointLog(this.db);
    const points = this.deletePointsOlderThan(cutoffUs);
    if (points > 0) this.onDeleted(points);
    return points + this.deleteRollups.run(cutoffUs, RETENTION_CHUNK).changes;
  }

  /**
   * Up to a chunk of the points older than the cutoff, from the block whose bounds say it holds the
   * oldest: all of it by id when its newest is older, else its rows older than the cutoff. A block
   * found without any such point left gets its lower bound raised to its oldest point (or goes).
   */
  private deletePointsOlderThan(cutoffUs: number): number {
    for (let block = this.oldBlock.get(cutoffUs) as Block | undefined; block; block = this.oldBlock.get(cutoffUs) as Block | undefined) {
      const first = block.block * POINT_BLOCK_IDS;
      const last = first + POINT_BLOCK_IDS - 1;
      const deleted =
        block.max_ts < cutoffUs
          ? this.deleteRange.run(first, last, RETENTION_CHUNK).changes
          : this.deleteOlderIn.run(first, last, cutoffUs, RETENTION_CHUNK).changes;
      if (deleted === RETENTION_CHUNK) return deleted;
      const oldest = this.oldestIn.get(first, last) as number | null;
      if (oldest === null) this.dropBlock.run(block.block);
      else this.narrowBlock.run(oldest, block.block);
      if (deleted > 0) return deleted;
    }
    return 0;
  }

  pruneOldest(bytesToFree: number): number {
    foldPointLog(this.db);
    const points = this.deleteLowest.run(rowsToFree(bytesToFree)).changes;
    if (points > 0) this.onDeleted(points);
    this.dropBlocksBefore.run();
    const oldest = this.oldestUs() ?? Number.MAX_SAFE_INTEGER;
    return points + this.deleteRollups.run(oldest, RETENTION_CHUNK).changes;
  }
}

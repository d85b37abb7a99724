// Retention of metric points: the oldest points go by their time, a chunk per transaction, and
// the rollup chunks (metric_rollups) whose newest sample is older than the raw points kept.
import type { Pruner } from '../../core/module.js';
import type { Db } from '../../core/database.js';
import { RETENTION_CHUNK, rowsToFree } from '../../core/retention.js';

export class MetricPruner implements Pruner {
  readonly name = 'metrics';
  private readonly oldestTs;
  private readonly deletePoints;
  private readonly deleteRollups;

  constructor(db: Db) {
    this.oldestTs = db.prepare('SELECT min(ts) FROM metric_points').pluck();
    this.deletePoints = db.prepare('DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points WHERE ts < ? ORDER BY ts LIMIT ?)');
    this.deleteRollups = db.prepare(
      `DELETE FROM metric_rollups WHERE (series_id, res, start_ts) IN
         (SELECT series_id, res, start_ts FROM metric_rollups WHERE end_ts < ? ORDER BY end_ts LIMIT ?)`,
    );
  }

  oldestUs(): number | null {
    return this.oldestTs.get() as number | null;
  }

  pruneOlderThan(cutoffUs: number): number {
    return this.deletePoints.run(cutoffUs, RETENTION_CHUNK).changes + this.deleteRollups.run(cutoffUs, RETENTION_CHUNK).changes;
  }

  pruneOldest(bytesToFree: number): number {
    const points = this.deletePoints.run(Number.MAX_SAFE_INTEGER, rowsToFree(bytesToFree)).changes;
    const oldest = this.oldestUs() ?? Number.MAX_SAFE_INTEGER;
    return points + this.deleteRollups.run(oldest, RETENTION_CHUNK).changes;
  }
}

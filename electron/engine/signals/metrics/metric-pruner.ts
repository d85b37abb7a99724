// Retention of metric points: the oldest points go by their time, a chunk per transaction.
import type { Pruner } from '../../core/module.js';
import type { Db } from '../../core/database.js';
import { RETENTION_CHUNK, rowsToFree } from '../../core/retention.js';

export class MetricPruner implements Pruner {
  readonly name = 'metrics';
  private readonly oldestTs;
  private readonly deletePoints;

  constructor(db: Db) {
    this.oldestTs = db.prepare('SELECT min(ts) FROM metric_points').pluck();
    this.deletePoints = db.prepare('DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points WHERE ts < ? ORDER BY ts LIMIT ?)');
  }

  oldestUs(): number | null {
    return this.oldestTs.get() as number | null;
  }

  pruneOlderThan(cutoffUs: number): number {
    return this.deletePoints.run(cutoffUs, RETENTION_CHUNK).changes;
  }

  pruneOldest(bytesToFree: number): number {
    return this.deletePoints.run(Number.MAX_SAFE_INTEGER, rowsToFree(bytesToFree)).changes;
  }
}

// Retention by age and by size: the oldest records go first, in small transactions between
// ingest batches (a chunk takes milliseconds), and the file gives the freed pages back to the OS
// (incremental vacuum), so the database never grows past its limit for long and ingest never stalls.
import type { Db } from './database.js';

export const DEFAULT_MAX_DB_BYTES = 2 * 1024 ** 3;
export const DEFAULT_RETENTION_US = 7 * 86_400_000_000;
/** Rows deleted per transaction. */
export const RETENTION_CHUNK = 5000;
export const RETENTION_INTERVAL_MS = 10_000;

export interface RetentionLimits {
  maxDbBytes: number;
  retentionUs: number;
}

export interface RetentionStats {
  deletedRecords: number;
  lastRun: number | null;
  lastError: string | null;
}

export class Retention {
  readonly stats: RetentionStats = { deletedRecords: 0, lastRun: null, lastError: null };
  private timer: NodeJS.Timeout | null = null;
  private readonly oldestIds;
  private readonly countsOf;
  private readonly subtractCount;
  private readonly dropEmptyCounts;
  private readonly deleteLogs;
  private readonly deleteFts;
  private readonly deleteChunk;
  private readonly countRows;

  constructor(
    private readonly db: Db,
    readonly limits: RetentionLimits,
    private readonly now: () => number = () => Date.now() * 1000,
  ) {
    this.countRows = db.prepare('SELECT count(*) FROM logs').pluck();
    this.oldestIds = db.prepare('SELECT id FROM logs WHERE id < ? ORDER BY id LIMIT ?').pluck();
    this.countsOf = db.prepare(
      `SELECT (ts / 60000000) * 60000000 AS minute, coalesce(source_id, 0) AS source_id,
              CASE WHEN severity BETWEEN 1 AND 24 THEN (severity - 1) / 4 ELSE 2 END AS level, count(*) AS n
       FROM logs WHERE id >= ? AND id <= ? GROUP BY 1, 2, 3`,
    );
    this.subtractCount = db.prepare('UPDATE log_counts SET n = n - ? WHERE minute = ? AND source_id = ? AND level = ?');
    this.dropEmptyCounts = db.prepare('DELETE FROM log_counts WHERE n <= 0');
    this.deleteLogs = db.prepare('DELETE FROM logs WHERE id >= ? AND id <= ?');
    this.deleteFts = db.prepare('DELETE FROM logs_fts WHERE rowid >= ? AND rowid <= ?');
    this.deleteChunk = db.transaction((lo: number, hi: number): number => {
      for (const c of this.countsOf.all(lo, hi) as { minute: number; source_id: number; level: number; n: number }[]) {
        this.subtractCount.run(c.n, c.minute, c.source_id, c.level);
      }
      this.dropEmptyCounts.run();
      this.deleteFts.run(lo, hi);
      return this.deleteLogs.run(lo, hi).changes;
    });
  }

  start(): void {
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void this.run().finally(() => {
          if (this.timer !== null) tick();
        });
      }, RETENTION_INTERVAL_MS);
    };
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Bytes the database holds in live pages (free pages don't count: they are reused). */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** One pass: delete by age, then by size, a chunk at a time, yielding to ingest between chunks. */
  async run(): Promise<number> {
    let deleted = 0;
    try {
      const cutoff = this.now() - this.limits.retentionUs;
      for (;;) {
        const n = this.deleteOldest(cutoff);
        deleted += n;
        if (n < RETENTION_CHUNK) break;
        await yieldToIngest();
      }
      // Over the size limit: drop the oldest rows until about 5% under it, so that it doesn't run
      // again on the next batch. How many is estimated from the average row size, not measured
      // as we go: the full-text index only shrinks when FTS5 merges its segments later.
      const used = this.usedBytes();
      if (used > this.limits.maxDbBytes) {
        const rowCount = this.countRows.get() as number;
        let excess = Math.ceil(((used - this.limits.maxDbBytes * 0.95) / used) * rowCount);
        while (excess > 0) {
          const n = this.deleteOldest(Number.MAX_SAFE_INTEGER, Math.min(excess, RETENTION_CHUNK));
          deleted += n;
          excess -= n;
          if (n === 0) break;
          await yieldToIngest();
        }
        // Let FTS5 fold the deletions into its segments now, a bounded amount of work.
        this.db.prepare("INSERT INTO logs_fts (logs_fts, rank) VALUES ('merge', 2000)").run();
      }
      if (deleted > 0) this.db.pragma('incremental_vacuum');
      this.stats.deletedRecords += deleted;
      this.stats.lastRun = this.now();
      this.stats.lastError = null;
    } catch (err) {
      this.stats.lastError = err instanceof Error ? err.message : String(err);
    }
    return deleted;
  }

  /** Delete up to one chunk of the oldest rows with id < cutoff; returns how many went. */
  private deleteOldest(cutoff: number, limit = RETENTION_CHUNK): number {
    const ids = this.oldestIds.all(cutoff, limit) as number[];
    if (ids.length === 0) return 0;
    return this.deleteChunk(ids[0]!, ids[ids.length - 1]!);
  }
}

function yieldToIngest(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

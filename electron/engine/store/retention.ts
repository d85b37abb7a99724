// Retention by age and by size: the oldest records go first, in small transactions between
// ingest batches (a chunk takes milliseconds), and the file gives the freed pages back to the OS
// (incremental vacuum), so the database never grows past its limit for long and ingest never stalls.
import type { Db } from './database.js';
import { CountSubtractor } from './rollup.js';

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
  private readonly subtractCounts;
  private readonly deleteLogs;
  private readonly deleteFts;
  private readonly deleteChunk;
  private readonly countRows;
  // Spans go a whole trace at a time (oldest trace start first), metric points by their time.
  private readonly oldestTraces;
  private readonly deleteTraceSpans;
  private readonly deleteTrace;
  private readonly deleteTraces;
  private readonly countTraces;
  private readonly deletePoints;
  private readonly countPoints;

  constructor(
    private readonly db: Db,
    readonly limits: RetentionLimits,
    private readonly now: () => number = () => Date.now() * 1000,
  ) {
    this.countRows = db.prepare('SELECT count(*) FROM logs').pluck();
    this.oldestIds = db.prepare('SELECT id FROM logs WHERE id < ? ORDER BY id LIMIT ?').pluck();
    this.subtractCounts = new CountSubtractor(db, 'id >= ? AND id <= ?');
    this.deleteLogs = db.prepare('DELETE FROM logs WHERE id >= ? AND id <= ?');
    this.deleteFts = db.prepare('DELETE FROM logs_fts WHERE rowid >= ? AND rowid <= ?');
    this.oldestTraces = db.prepare('SELECT trace_id FROM traces WHERE start_us < ? ORDER BY start_us LIMIT ?').pluck();
    this.deleteTraceSpans = db.prepare('DELETE FROM spans WHERE trace_id = ?');
    this.deleteTrace = db.prepare('DELETE FROM traces WHERE trace_id = ?');
    this.deleteTraces = db.transaction((traceIds: string[]): number => {
      let spans = 0;
      for (const id of traceIds) {
        spans += this.deleteTraceSpans.run(id).changes;
        this.deleteTrace.run(id);
      }
      return spans;
    });
    this.countTraces = db.prepare('SELECT count(*) FROM traces').pluck();
    this.deletePoints = db.prepare(
      'DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points WHERE ts < ? ORDER BY ts LIMIT ?)',
    );
    this.countPoints = db.prepare('SELECT count(*) FROM metric_points').pluck();
    this.deleteChunk = db.transaction((lo: number, hi: number): number => {
      this.subtractCounts.run(lo, hi);
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
      deleted += await this.deleteOldTelemetry(cutoff, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      // Over the size limit: drop the oldest rows until about 5% under it, so that it doesn't run
      // again on the next batch. How many is estimated from the average row size, not measured
      // as we go: the full-text index only shrinks when FTS5 merges its segments later.
      const used = this.usedBytes();
      if (used > this.limits.maxDbBytes) {
        const rowCount = this.countRows.get() as number;
        const fraction = (used - this.limits.maxDbBytes * 0.95) / used;
        // Spans and metric points give up the same share of their rows as the logs.
        deleted += await this.deleteOldTelemetry(
          Number.MAX_SAFE_INTEGER,
          Math.ceil(fraction * (this.countTraces.get() as number)),
          Math.ceil(fraction * (this.countPoints.get() as number)),
        );
        let excess = Math.ceil(fraction * rowCount);
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

  /**
   * Delete traces that started before `cutoff` (at most `maxTraces`) with their spans, and metric
   * points older than `cutoff` (at most `maxPoints`), a chunk per transaction. Returns the rows deleted.
   */
  private async deleteOldTelemetry(cutoff: number, maxTraces: number, maxPoints: number): Promise<number> {
    let deleted = 0;
    for (let left = maxTraces; left > 0; ) {
      const ids = this.oldestTraces.all(cutoff, Math.min(left, RETENTION_CHUNK)) as string[];
      if (ids.length === 0) break;
      deleted += this.deleteTraces(ids);
      left -= ids.length;
      await yieldToIngest();
    }
    for (let left = maxPoints; left > 0; ) {
      const n = this.deletePoints.run(cutoff, Math.min(left, RETENTION_CHUNK)).changes;
      deleted += n;
      left -= n;
      if (n === 0) break;
      await yieldToIngest();
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

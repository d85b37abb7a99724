// Retention by age and by size: the oldest records go first, in small transactions between
// ingest batches (a chunk takes milliseconds), and the file gives the freed pages back to the OS
// (incremental vacuum). The size bound is held while ingest runs: every written batch is followed
// by a look at the files' size (page count, not a row count), and past the limit the oldest
// chunks of whichever signal holds the oldest data go until the files are back under it.
import { statSync } from 'node:fs';
import type { Db } from './database.js';
import { CountSubtractor } from './rollup.js';

export const DEFAULT_MAX_DB_BYTES = 2 * 1024 ** 3;
export const DEFAULT_RETENTION_US = 7 * 86_400_000_000;
/** Rows deleted per transaction. */
export const RETENTION_CHUNK = 5000;
export const RETENTION_INTERVAL_MS = 10_000;
/**
 * Past the limit less the room a write needs (the largest growth of one batch and the largest WAL
 * seen: the database file takes the WAL's pages at the checkpoint before a trim gives them back),
 * a written batch is followed by deletions, down to this much further under (the full-text
 * index's deleted entries are only given back when its segments merge).
 */
export const SIZE_TRIM_SPAN = 0.08;
/** A batch is followed by at most this many chunks (~ms each); the rest waits for the next batch or the timer. */
const CHUNKS_PER_WRITE = 8;

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
  // Spans go a whole trace at a time (oldest trace start first), metric points by their time.
  private readonly oldestTraces;
  private readonly deleteTraceSpans;
  private readonly deleteTrace;
  private readonly deleteTraces;
  private readonly deletePoints;
  private readonly oldestLog;
  private readonly mergeFts;
  private readonly oldestTrace;
  private readonly oldestPoint;
  private running = false;
  /** The most one write grew the files by, and the largest WAL file seen: the room writes need. */
  private biggestWrite = 0;
  private biggestWal = 0;
  private lastDiskBytes = 0;

  constructor(
    private readonly db: Db,
    readonly limits: RetentionLimits,
    private readonly now: () => number = () => Date.now() * 1000,
    /** The database file, whose WAL counts in the size (none for tests on a bare connection). */
    private readonly dbPath?: string,
  ) {
    // The WAL counts in the size too: it is checkpointed, and cut back after a checkpoint, at
    // about 5% of the limit (SQLite's default of 1000 pages, 4 MiB, for limits of 80 MB and more).
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const walBytes = Math.min(4 * 1024 * 1024, Math.max(256 * 1024, Math.floor(limits.maxDbBytes * 0.05)));
    db.pragma(`wal_autocheckpoint = ${Math.floor(walBytes / pageSize)}`);
    db.pragma(`journal_size_limit = ${walBytes}`);
    this.oldestLog = db.prepare('SELECT min(id) FROM logs').pluck();
    this.mergeFts = db.prepare("INSERT INTO logs_fts (logs_fts, rank) VALUES ('merge', 64)");
    this.oldestTrace = db.prepare('SELECT min(start_us) FROM traces').pluck();
    this.oldestPoint = db.prepare('SELECT min(ts) FROM metric_points').pluck();
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
    this.deletePoints = db.prepare(
      'DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points WHERE ts < ? ORDER BY ts LIMIT ?)',
    );
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
    if (this.running) return 0;
    this.running = true;
    let deleted = 0;
    try {
      const cutoff = this.now() - this.limits.retentionUs;
      for (;;) {
        const n = this.deleteOldest(cutoff);
        deleted += n;
        if (n < RETENTION_CHUNK) break;
        await yieldToIngest();
      }
      deleted += await this.deleteOldTelemetry(cutoff);
      // Over the size limit: the oldest data goes, a chunk at a time, until the files are under
      // the low-water mark, measured again after each chunk.
      for (;;) {
        const { deleted: n, done } = this.trimToSize(CHUNKS_PER_WRITE);
        deleted += n;
        if (done) break;
        await yieldToIngest();
      }
      if (deleted > 0) {
        // Let FTS5 fold the deletions into its segments now, a bounded amount of work.
        this.db.prepare("INSERT INTO logs_fts (logs_fts, rank) VALUES ('merge', 256)").run();
      }
      if (deleted > 0) this.db.pragma('incremental_vacuum');
      this.stats.deletedRecords += deleted;
      this.stats.lastRun = this.now();
      this.stats.lastError = null;
    } catch (err) {
      this.stats.lastError = err instanceof Error ? err.message : String(err);
    } finally {
      this.running = false;
    }
    return deleted;
  }

  /**
   * Called after every batch written (log records, spans, metric points): holds the size bound
   * while ingest runs, instead of letting a burst grow the files until the next timer tick.
   */
  afterWrite(): void {
    // Two pragmas and a stat: microseconds, next to a batch's milliseconds.
    const size = this.diskBytes();
    if (this.lastDiskBytes > 0) this.biggestWrite = Math.max(this.biggestWrite, size - this.lastDiskBytes);
    this.lastDiskBytes = size;
    if (this.running || size <= this.highWater()) return;
    try {
      const { deleted, done } = this.trimToSize(CHUNKS_PER_WRITE);
      this.stats.deletedRecords += deleted;
      this.lastDiskBytes = this.diskBytes();
      // A big excess (a lower limit, a huge batch) is finished in the background.
      if (!done) void this.run();
    } catch (err) {
      this.stats.lastError = err instanceof Error ? err.message : String(err);
    }
  }

  /** Where trimming starts: the limit less the room the next write needs (never under half of it). */
  private highWater(): number {
    const limit = this.limits.maxDbBytes;
    return Math.max(limit * 0.5, limit * 0.98 - this.biggestWrite - this.biggestWal);
  }

  /**
   * Bytes on disk: every page of the database file (free ones too, until vacuumed) and the WAL.
   * The full-text index's deleted entries stay in its segments until they merge: counted too.
   */
  diskBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    let wal = 0;
    if (this.dbPath) {
      try {
        wal = statSync(`${this.dbPath}-wal`).size;
        if (wal > this.biggestWal) this.biggestWal = wal;
      } catch {
        // no WAL file right now
      }
    }
    return pages * pageSize + wal;
  }

  /**
   * Delete the oldest chunk of whichever signal holds the oldest data, until the files are under
   * the low-water mark or `maxChunks` chunks went. `done`: under the mark, or nothing left.
   */
  private trimToSize(maxChunks: number): { deleted: number; done: boolean } {
    const target = this.highWater() - this.limits.maxDbBytes * SIZE_TRIM_SPAN;
    let deleted = 0;
    for (let i = 0; i < maxChunks; i++) {
      const excess = this.diskBytes() - target;
      if (excess <= 0) return { deleted, done: true };
      // Chunks sized to the excess (by a generous guess of a row's bytes, so as not to overshoot:
      // what a deletion gives back is measured, not assumed), whole chunks when far over.
      const rows = Math.min(RETENTION_CHUNK, Math.max(100, Math.ceil(excess / 500)));
      const log = this.oldestLog.get() as number | null;
      const trace = this.oldestTrace.get() as number | null;
      const point = this.oldestPoint.get() as number | null;
      const oldest = Math.min(log ?? Infinity, trace ?? Infinity, point ?? Infinity);
      if (oldest === Infinity) return { deleted, done: true };
      let n: number;
      if (oldest === log) n = this.deleteOldest(Number.MAX_SAFE_INTEGER, rows);
      else if (oldest === trace) n = this.deleteTraces(this.oldestTraces.all(Number.MAX_SAFE_INTEGER, Math.ceil(rows / 20)) as string[]);
      else n = this.deletePoints.run(Number.MAX_SAFE_INTEGER, rows).changes;
      if (n === 0) return { deleted, done: true };
      deleted += n;
      // The full-text index keeps deleted entries in its segments until they merge: a bounded
      // merge with each chunk gives their pages back too, so the measure below sees them go
      // (otherwise it would take more and more of the newest records).
      if (oldest === log) this.mergeFts.run();
      // Give the freed pages back now: the next measure must see them gone.
      this.db.pragma('incremental_vacuum');
    }
    return { deleted, done: this.diskBytes() <= target };
  }

  /**
   * Delete traces that started before `cutoff` with their spans, and metric points older than
   * `cutoff`, a chunk per transaction. Returns the rows deleted.
   */
  private async deleteOldTelemetry(cutoff: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const ids = this.oldestTraces.all(cutoff, RETENTION_CHUNK) as string[];
      if (ids.length === 0) break;
      deleted += this.deleteTraces(ids);
      await yieldToIngest();
    }
    for (;;) {
      const n = this.deletePoints.run(cutoff, RETENTION_CHUNK).changes;
      deleted += n;
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

// Retention by age and by size, over the pruners the signals bring (it names no table): the
// oldest data goes first, in small transactions between ingest batches (a chunk takes
// milliseconds), and the file gives the freed pages back to the OS (incremental vacuum). The size
// bound is held while ingest runs: every written batch is followed by a look at the files' size
// (page count, not a row count), and past the limit the oldest chunks of whichever signal holds
// the oldest data go until the files are back under it.
import { statSync } from 'node:fs';
import type { Db } from './database.js';
import { systemClock, type Clock } from './clock.js';
import type { JobSpec, Pruner } from './module.js';

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

/**
 * Rows of a chunk that should give back about `bytes`: sized by a generous guess of a row's bytes,
 * so as not to overshoot (what a deletion gives back is measured, not assumed), whole chunks when far over.
 */
export function rowsToFree(bytes: number): number {
  return Math.min(RETENTION_CHUNK, Math.max(100, Math.ceil(bytes / 500)));
}

export interface RetentionLimits {
  maxDbBytes: number;
  retentionUs: number;
}

export interface RetentionStats {
  deletedRecords: number;
  lastRun: number | null;
  lastError: string | null;
}

export interface RetentionOptions {
  /** The age cutoff's "now" (the real clock by default). */
  clock?: Clock;
  /** The database file, whose WAL counts in the size (none for tests on a bare connection). */
  dbPath?: string;
}

export class Retention {
  readonly stats: RetentionStats = { deletedRecords: 0, lastRun: null, lastError: null };
  private readonly clock: Clock;
  private readonly dbPath: string | undefined;
  private running = false;
  /** The most one write grew the files by, and the largest WAL file seen: the room writes need. */
  private biggestWrite = 0;
  private biggestWal = 0;
  private lastDiskBytes = 0;

  constructor(
    private readonly db: Db,
    /** Each signal's; on ties of age, the first listed goes first (modules' pruners join with adopt()). */
    private pruners: readonly Pruner[],
    readonly limits: RetentionLimits,
    options: RetentionOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.dbPath = options.dbPath;
    // The WAL counts in the size too: it is checkpointed, and cut back after a checkpoint, at
    // about 5% of the limit (SQLite's default of 1000 pages, 4 MiB, for limits of 80 MB and more).
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const walBytes = Math.min(4 * 1024 * 1024, Math.max(256 * 1024, Math.floor(limits.maxDbBytes * 0.05)));
    db.pragma(`wal_autocheckpoint = ${Math.floor(walBytes / pageSize)}`);
    for (const name of this.schemas()) db.pragma(`${name}.journal_size_limit = ${walBytes}`);
  }

  /** The database's schemas with a file of their own: main and the attached ones. */
  private schemas(): string[] {
    return (this.db.pragma('database_list') as { name: string }[]).map((d) => d.name).filter((n) => n !== 'temp');
  }

  /** The modules' pruners (EngineModule.pruner), after the signals' own. */
  adopt(pruners: readonly Pruner[]): void {
    this.pruners = [...this.pruners, ...pruners];
  }

  /** The periodic pass, for the scheduler. */
  readonly job: JobSpec = {
    name: 'retention',
    everyMs: RETENTION_INTERVAL_MS,
    run: async () => {
      await this.run();
    },
  };

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
      const cutoff = this.clock.nowUs() - this.limits.retentionUs;
      for (const pruner of this.pruners) {
        for (let n = pruner.pruneOlderThan(cutoff); n > 0; n = pruner.pruneOlderThan(cutoff)) {
          deleted += n;
          await yieldToIngest();
        }
      }
      // Over the size limit: the oldest data goes, a chunk at a time, until the files are under
      // the low-water mark, measured again after each chunk.
      for (;;) {
        const { deleted: n, done } = this.trimToSize(CHUNKS_PER_WRITE);
        deleted += n;
        if (done) break;
        await yieldToIngest();
      }
      if (deleted > 0) for (const name of this.schemas()) this.db.pragma(`${name}.incremental_vacuum`);
      this.stats.deletedRecords += deleted;
      this.stats.lastRun = this.clock.nowUs();
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
    let bytes = 0;
    // Every file of the store: the database and the files attached to it (the full-text index's).
    for (const { name, file } of this.db.pragma('database_list') as { name: string; file: string }[]) {
      if (name === 'temp') continue;
      const pageSize = this.db.pragma(`${name}.page_size`, { simple: true }) as number;
      bytes += (this.db.pragma(`${name}.page_count`, { simple: true }) as number) * pageSize;
      if (!this.dbPath || !file) continue;
      try {
        const wal = statSync(`${file}-wal`).size;
        if (wal > this.biggestWal) this.biggestWal = wal;
        bytes += wal;
      } catch {
        // no WAL file right now
      }
    }
    return bytes;
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
      let oldest: Pruner | null = null;
      let oldestUs = Infinity;
      for (const p of this.pruners) {
        const us = p.pruneOldest ? (p.oldestUs?.() ?? null) : null;
        if (us !== null && us < oldestUs) [oldest, oldestUs] = [p, us];
      }
      if (!oldest?.pruneOldest) return { deleted, done: true };
      const n = oldest.pruneOldest(excess);
      if (n === 0) return { deleted, done: true };
      deleted += n;
      // Give the freed pages back now: the next measure must see them gone.
      this.db.pragma('incremental_vacuum');
    }
    return { deleted, done: this.diskBytes() <= target };
  }
}

function yieldToIngest(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

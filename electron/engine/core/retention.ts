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
 * Past the limit less the room the files need beside their pages (the largest journals and the
 * largest growth between two looks, both recent), a written batch is followed by deletions down to
 * this much further under: a small step, so each trim is a few thousand records. A trim's deletions
 * go through the journals (the full-text index's deleted rows and the merges they start, MBs per
 * 5,000 records): a big step made big journals, which made the room bigger and the next step
 * bigger, until half the limit was room (the step was 8 % of the limit, the room all-time maxima).
 */
export const SIZE_TRIM_SPAN = 0.03;
/**
 * The share of the limit the pages and the room may fill: a trim's own transaction still writes a
 * few MB (the deleted index rows' tombstones and the merges after) beside the room.
 */
const HIGH_WATER = 0.93;
/** The room is forgotten slowly (halved over this long): a burst's WALs are not its size forever. */
const ROOM_HALF_LIFE_US = 60_000_000;
/** A batch is followed by at most this many chunks (~ms each); the rest waits for the next batch or the timer. */
const CHUNKS_PER_WRITE = 8;

/**
 * Rows of a chunk that should give back about `bytes`: sized by a generous guess of a row's bytes,
 * so as not to overshoot (what a deletion gives back is measured, not assumed), whole chunks when far over.
 */
export function rowsToFree(bytes: number): number {
  return Math.min(RETENTION_CHUNK, Math.max(100, Math.ceil(bytes / 500)));
}

/**
 * The database's WAL is checkpointed, and cut back after a checkpoint, at about 5% of the limit
 * (SQLite's default of 1000 pages, 4 MiB, for limits of 80 MB and more): it counts in the size too.
 */
export function walLimitBytes(maxDbBytes: number): number {
  return Math.min(4 * 1024 * 1024, Math.max(256 * 1024, Math.floor(maxDbBytes * 0.05)));
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
  /**
   * The room the files need beside their pages: the most their pages grew between two looks and
   * the largest WALs seen, recently (see ROOM_HALF_LIFE_US).
   */
  private readonly room = { growth: 0, wal: 0, atUs: 0 };
  private lastPageBytes = 0;

  constructor(
    private readonly db: Db,
    /** Each signal's; on ties of age, the first listed goes first (modules' pruners join with adopt()). */
    private pruners: readonly Pruner[],
    readonly limits: RetentionLimits,
    options: RetentionOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.dbPath = options.dbPath;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const walBytes = walLimitBytes(limits.maxDbBytes);
    db.pragma(`wal_autocheckpoint = ${Math.floor(walBytes / pageSize)}`);
    for (const { name } of this.files()) db.pragma(`${name}.journal_size_limit = ${walBytes}`);
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

  /**
   * Bytes the files hold in live pages, the database's and the full-text index's (free pages don't
   * count: they are reused); what is on disk besides is diskBytes().
   */
  usedBytes(): number {
    return this.sumPages(true);
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
      if (deleted > 0) for (const { name } of this.files()) this.db.pragma(`${name}.incremental_vacuum`);
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
    // A few pragmas and two stats: microseconds, next to a batch's milliseconds.
    const pages = this.pageBytes();
    this.observeRoom(pages);
    if (this.running || pages <= this.highWater()) return;
    try {
      const { deleted, done } = this.trimToSize(CHUNKS_PER_WRITE);
      this.stats.deletedRecords += deleted;
      this.lastPageBytes = this.pageBytes();
      // A big excess (a lower limit, a huge batch) is finished in the background.
      if (!done) void this.run();
    } catch (err) {
      this.stats.lastError = err instanceof Error ? err.message : String(err);
    }
  }

  /** Notes the pages' growth since the last look and the WALs' size in the room, which decays slowly. */
  private observeRoom(pages: number): void {
    const now = this.clock.nowUs();
    const decay = this.room.atUs > 0 ? 0.5 ** (Math.max(0, now - this.room.atUs) / ROOM_HALF_LIFE_US) : 1;
    this.room.atUs = now;
    const growth = this.lastPageBytes > 0 ? pages - this.lastPageBytes : 0;
    this.lastPageBytes = pages;
    this.room.growth = Math.max(this.room.growth * decay, growth);
    this.room.wal = Math.max(this.room.wal * decay, this.walBytes());
  }

  /** Where trimming starts: the limit less the room (never under half of it). */
  private highWater(): number {
    const limit = this.limits.maxDbBytes;
    return Math.max(limit * 0.5, limit * HIGH_WATER - this.room.growth - this.room.wal);
  }

  /** The files' own schemas (main and the attached ones), each with its file. */
  private files(): { name: string; file: string }[] {
    return (this.db.pragma('database_list') as { name: string; file: string }[]).filter((d) => d.name !== 'temp');
  }

  /**
   * Bytes of the files' pages: every page of the database file and of the attached ones (the
   * full-text index's), free ones too until vacuumed; the index's deleted entries stay in its
   * segments until they merge, counted too. Their WALs are not (see walBytes).
   */
  pageBytes(): number {
    return this.sumPages(false);
  }

  /** Bytes of every file's pages, or of its live pages only (its free pages left out). */
  private sumPages(liveOnly: boolean): number {
    let bytes = 0;
    for (const { name } of this.files()) {
      const pageSize = this.db.pragma(`${name}.page_size`, { simple: true }) as number;
      const pages = this.db.pragma(`${name}.page_count`, { simple: true }) as number;
      const free = liveOnly ? (this.db.pragma(`${name}.freelist_count`, { simple: true }) as number) : 0;
      bytes += (pages - free) * pageSize;
    }
    return bytes;
  }

  /**
   * Bytes of the files' journals now: the database's WAL and the full-text index file's rollback
   * journal (see attachFtsFile). None without a database path (tests on a bare connection).
   */
  walBytes(): number {
    if (!this.dbPath) return 0;
    let bytes = 0;
    for (const { file } of this.files()) {
      if (!file) continue;
      for (const suffix of ['-wal', '-journal']) {
        try {
          bytes += statSync(file + suffix).size;
        } catch {
          // no such journal right now
        }
      }
    }
    return bytes;
  }

  /** Bytes on disk: the files' pages and their WALs. */
  diskBytes(): number {
    return this.pageBytes() + this.walBytes();
  }

  /**
   * Delete the oldest chunk of whichever signal holds the oldest data, until the files' pages are
   * under the low-water mark or `maxChunks` chunks went. `done`: under the mark, or nothing left.
   */
  private trimToSize(maxChunks: number): { deleted: number; done: boolean } {
    const target = this.highWater() - this.limits.maxDbBytes * SIZE_TRIM_SPAN;
    let deleted = 0;
    for (let i = 0; i < maxChunks; i++) {
      const excess = this.pageBytes() - target;
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
      // Give the freed pages back now, in every file: the next measure must see them gone.
      for (const { name } of this.files()) this.db.pragma(`${name}.incremental_vacuum`);
      // The deletions went through the WALs (the full-text index's tombstones and the merges they
      // start): what they grew to is room the next trims need too.
      this.room.wal = Math.max(this.room.wal, this.walBytes());
    }
    return { deleted, done: this.pageBytes() <= target };
  }
}

function yieldToIngest(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

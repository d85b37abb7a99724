// The one writer of log records. Each call is one transaction holding the records, the per-minute
// counts, the checkpoints of the files they were read from and the batch's place in the full-text
// index's queue, so a crash at any moment leaves every file's offset consistent with the records
// stored. The full-text rows are written apart, by the FTS indexer (fts-index.ts), lagging a little.
import type { Db } from '../../core/database.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { LogRow } from './rows.js';
import { MINUTE_US, levelIndexOf } from './rollup.js';
import { FtsIndexer, packIds } from './fts-index.js';
import { wordMinuteCountsOf, type WordMinuteCounts } from './word-minute-counts.js';

/** A record ready to be stored (times in µs). */
export interface LogInsert {
  ts: number;
  severity: number;
  levelText?: string | undefined;
  fileId: number | null;
  sourceId: number | null;
  logger?: string | undefined;
  service?: string | undefined;
  message: string;
  attributes?: Record<string, unknown> | undefined;
  traceId?: string | undefined;
  spanId?: string | undefined;
  exception?: { type: string; message: string } | undefined;
  flags: number;
}

/** How far a file has been stored, and what to add to its counters. */
export interface FileCheckpoint {
  offset: number;
  records: number;
  bytes: number;
  truncatedLines: number;
  invalidUtf8Lines: number;
  /** Times the file was truncated (copytruncate) since the last checkpoint. */
  truncations?: number;
  /** `offset` is the checkpoint of the file's older part (read after its tail; files.backfill_offset). */
  backfill?: boolean;
}

/**
 * The latest time we can give a row id: ids are µs and must stay exact as JS numbers (< 2^53).
 * Times beyond (year ~2255) are clamped; so are times before the epoch.
 */
export const MAX_TS = 2 ** 53 - 2 ** 40;

/** The columns of a record in `logs`, in the order the insert binds them. */
const LOG_COLUMNS =
  'id, ts, severity, level_text, file_id, source_id, logger, service, message, attributes, trace_id, span_id, exc_type, exc_message, flags';
const VALUES_PER_ROW = 15;
/**
 * Rows one INSERT statement stores: one call binds them all, so the cost of a call into SQLite
 * (reset, step, the JS↔C++ crossing) is shared by 64 records (measured: 64 and 128 alike, ~10 %
 * less CPU per record than a statement per record; `json_each` over one JSON string was 3× slower).
 * The values go as the call's arguments (`run(...values)`), not as one array: better-sqlite3 reads
 * an array's elements one by one through V8's generic property lookup, its arguments directly
 * (measured: 0.4 µs less a record, a fifth of the bare insert).
 */
const ROWS_PER_INSERT = 64;
/**
 * Stored ids fetched at once when a record's id may already be taken (backfilled history: its
 * ids are at or below the largest stored). One look-ahead serves a run of records — all of them
 * when they fall in a gap, as a big file's older part does — instead of one query per record.
 */
const TAKEN_LOOKAHEAD = 128;

export class LogWriter {
  private readonly insertLog;
  /** Inserts ROWS_PER_INSERT records in one call. */
  private readonly insertLogs;
  /** Reused for every multi-row insert (its values, row after row). */
  private readonly rowValues: unknown[] = new Array(ROWS_PER_INSERT * VALUES_PER_ROW);
  private readonly queueForFts;
  private readonly dropIndexedBatches;
  /** Indexes the queued batches on this connection (a search that needs the index complete). */
  readonly fts: FtsIndexer;
  /** The first TAKEN_LOOKAHEAD stored ids at or above a candidate id, ascending. */
  private readonly takenFrom;
  private readonly upsertCount;
  private readonly saveCheckpoint;
  private readonly saveMeta;
  /** Records counted by level (0..5) in a run of one source and minute (see writeInTransaction). */
  private readonly levelCounts = [0, 0, 0, 0, 0, 0];
  /** The largest id stored: a candidate id above it needs no look-up. */
  private maxId: number;
  /** The largest (id - ts) ever stored: a time range [from, to] lies within ids [from, to + maxDrift]. */
  private drift: number;
  private readonly writeTx;
  /** The word counts kept for this connection: the minutes a write adds records to are stale. */
  private readonly minuteCounts: WordMinuteCounts;

  constructor(
    private readonly db: Db,
    /** Stamps the files' checkpoints. */
    private readonly clock: Clock = systemClock,
    /** Records a part of the full-text index holds (FTS_PART_RECORDS; tests make tiny parts). */
    ftsPartRecords?: number,
  ) {
    const row = `(${new Array(VALUES_PER_ROW).fill('?').join(', ')})`;
    this.insertLog = db.prepare(`INSERT INTO logs (${LOG_COLUMNS}) VALUES ${row}`);
    this.insertLogs = db.prepare(`INSERT INTO logs (${LOG_COLUMNS}) VALUES ${new Array(ROWS_PER_INSERT).fill(row).join(', ')}`);
    this.queueForFts = db.prepare('INSERT INTO fts_pending (from_id, to_id, records, bytes, ids) VALUES (?, ?, ?, ?, ?)');
    this.dropIndexedBatches = db.prepare(
      "DELETE FROM fts_pending WHERE seq <= (SELECT value FROM fts.fts_state WHERE key = 'through_seq')",
    );
    this.fts = new FtsIndexer(db, undefined, ftsPartRecords);
    this.takenFrom = db.prepare('SELECT id FROM logs WHERE id >= ? ORDER BY id LIMIT ?').pluck();
    this.upsertCount = db.prepare(
      `INSERT INTO log_counts (minute, source_id, level, n) VALUES (?, ?, ?, ?)
       ON CONFLICT (minute, source_id, level) DO UPDATE SET n = n + excluded.n`,
    );
    this.saveCheckpoint = db.prepare(
      `UPDATE files SET offset = iif(@backfill, offset, @offset), backfill_offset = iif(@backfill, @offset, backfill_offset), records = records + @records, bytes = bytes + @bytes,
         truncated_lines = truncated_lines + @truncatedLines, invalid_utf8_lines = invalid_utf8_lines + @invalidUtf8Lines,
         truncations = truncations + @truncations,
         updated_at = @now,
         first_id = CASE WHEN @firstId IS NULL THEN first_id ELSE min(coalesce(first_id, @firstId), @firstId) END,
         last_id = CASE WHEN @lastId IS NULL THEN last_id ELSE max(coalesce(last_id, @lastId), @lastId) END
       WHERE id = @fileId`,
    );
    this.saveMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.maxId = (db.prepare('SELECT max(id) FROM logs').pluck().get() as number | null) ?? 0;
    this.drift = Number(db.prepare("SELECT value FROM meta WHERE key = 'max_drift'").pluck().get() ?? 0);
    this.writeTx = db.transaction((records: LogInsert[], checkpoints: Map<number, FileCheckpoint>) =>
      this.writeInTransaction(records, checkpoints),
    );
    this.minuteCounts = wordMinuteCountsOf(db);
  }

  /** The largest (id - ts) stored; see `drift`. */
  get maxDrift(): number {
    return this.drift;
  }

  /**
   * The highest record id below which the full-text index covers every record: a search finds the
   * records above it by scanning their stored text (LogReader). The index lags the records (its
   * own thread, fts-index.ts); backfilled history, whose ids are older, pulls this mark down.
   */
  ftsIndexedThrough(): number {
    return Math.min(this.fts.indexedThrough(), this.maxId);
  }

  /**
   * Store records and checkpoints in one transaction. Returns what was stored (in time order,
   * with the ids given), from which the live tail makes rows only when someone is watching.
   */
  write(records: LogInsert[], checkpoints: Map<number, FileCheckpoint> = new Map()): StoredBatch {
    if (records.length === 0 && checkpoints.size === 0) return { records: [], ids: [] };
    const stored = this.writeTx(records, checkpoints);
    this.minuteCounts.written(stored.records, storedTs);
    return stored;
  }

  private writeInTransaction(records: LogInsert[], checkpoints: Map<number, FileCheckpoint>): StoredBatch {
    // Time order inside the batch keeps the b-tree appends sequential and FTS5 from flushing its
    // pending terms on every out-of-order rowid (a file's batch mostly comes in order: no sort).
    const sorted = inTimeOrder(records) ? records.slice() : records.slice().sort((a, b) => a.ts - b.ts);
    const ids: number[] = new Array(sorted.length);
    // (source, minute, level) packed in one number (source × 2^40 + minute index × 8 + level; a
    // minute index stays below 2^33 until 2^53 µs): no string per record. A run of records of one
    // source and minute (the sorted batch is mostly such runs) is counted by level in `levels`
    // first, then added here: one array increment a record instead of a map look-up.
    const counts = new Map<number, number>();
    const levels = this.levelCounts.fill(0); // a failed write may have left a run's counts
    let runSource = -1;
    let runMinute = -1;
    const endRun = (): void => {
      for (let level = 0; level < levels.length; level++) {
        if (levels[level] === 0) continue;
        const key = runMinute * 8 + level + runSource * 2 ** 40;
        counts.set(key, (counts.get(key) ?? 0) + levels[level]!);
        levels[level] = 0;
      }
    };
    // Per file, the smallest and largest id given in this batch (files.first_id / last_id); the
    // last file's range at hand (a batch's records come in runs of one file).
    const idRanges = new Map<number, { firstId: number; lastId: number }>();
    let rangeFile: number | null = null;
    let fileRange = { firstId: 0, lastId: 0 };
    const values = this.rowValues;
    let rowsBound = 0;
    // Stored ids at or above a candidate, ascending (see TAKEN_LOOKAHEAD): every stored id up to
    // `takenThrough` is in `taken`. Ids given in this batch grow, and each is below the next
    // candidate, so the look-ahead stays true while the batch's rows are inserted.
    let taken: number[] = [];
    let next = 0;
    let takenThrough = -1;
    let prevId = -1;
    let drift = this.drift;
    let textBytes = 0;
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i]!;
      const ts = storedTs(r.ts);
      let id = ts > prevId ? ts : prevId + 1;
      // Only ids at or below the largest stored one can be taken (backfilled history).
      while (id <= this.maxId) {
        if (id > takenThrough) {
          taken = this.takenFrom.all(id, TAKEN_LOOKAHEAD) as number[];
          next = 0;
          takenThrough = taken.length < TAKEN_LOOKAHEAD ? this.maxId : taken[taken.length - 1]!;
        }
        while (next < taken.length && taken[next]! < id) next++;
        if (taken[next] !== id) break;
        id++;
      }
      prevId = id;
      if (id - ts > drift) drift = id - ts;

      const attributes = r.attributes && hasKeys(r.attributes) ? JSON.stringify(r.attributes) : null;
      const at = rowsBound * VALUES_PER_ROW;
      values[at] = id;
      values[at + 1] = ts;
      values[at + 2] = r.severity;
      values[at + 3] = r.levelText ?? null;
      values[at + 4] = r.fileId;
      values[at + 5] = r.sourceId;
      values[at + 6] = r.logger ?? null;
      values[at + 7] = r.service ?? null;
      values[at + 8] = r.message;
      values[at + 9] = attributes;
      values[at + 10] = r.traceId ?? null;
      values[at + 11] = r.spanId ?? null;
      values[at + 12] = r.exception?.type ?? null;
      values[at + 13] = r.exception?.message ?? null;
      values[at + 14] = r.flags;
      if (++rowsBound === ROWS_PER_INSERT) {
        this.insertLogs.run(...values);
        rowsBound = 0;
      }
      textBytes += r.message.length + (attributes?.length ?? 0);
      ids[i] = id;
      if (r.fileId !== null) {
        if (r.fileId !== rangeFile) {
          rangeFile = r.fileId;
          const known = idRanges.get(rangeFile);
          if (known) fileRange = known;
          else idRanges.set(rangeFile, (fileRange = { firstId: id, lastId: id }));
        }
        fileRange.lastId = id; // ids grow through the sorted batch
      }

      const sourceId = r.sourceId ?? 0;
      const minute = Math.floor(ts / MINUTE_US);
      if (minute !== runMinute || sourceId !== runSource) {
        endRun();
        runMinute = minute;
        runSource = sourceId;
      }
      levels[levelIndexOf(r.severity)]!++;
    }
    endRun();
    // The batch's last rows (fewer than a multi-row insert holds), one by one.
    for (let k = 0; k < rowsBound; k++) this.insertLog.run(...values.slice(k * VALUES_PER_ROW, (k + 1) * VALUES_PER_ROW));
    values.fill(null); // no strings of this batch kept alive until the next
    for (const [key, n] of counts) {
      const sourceId = Math.floor(key / 2 ** 40);
      const rest = key - sourceId * 2 ** 40;
      const level = rest % 8;
      this.upsertCount.run(((rest - level) / 8) * MINUTE_US, sourceId, level, n);
    }
    const now = this.clock.nowUs();
    // Keyed by file id, or by -id for a file's older part (see FileCheckpoint.backfill).
    for (const [key, c] of checkpoints) {
      const fileId = Math.abs(key);
      const range = idRanges.get(fileId);
      this.saveCheckpoint.run({
        offset: c.offset,
        records: c.records,
        bytes: c.bytes,
        truncatedLines: c.truncatedLines,
        invalidUtf8Lines: c.invalidUtf8Lines,
        truncations: c.truncations ?? 0,
        backfill: c.backfill ? 1 : 0,
        now,
        fileId,
        firstId: range?.firstId ?? null,
        lastId: range?.lastId ?? null,
      });
    }
    if (drift !== this.drift) this.saveMeta.run('max_drift', String(drift));
    if (ids.length > 0) this.queueForFts.run(ids[0]!, ids[ids.length - 1]!, ids.length, textBytes, packIds(ids));
    this.dropIndexedBatches.run();
    // Only after the statements ran: a failed transaction must not move these.
    if (prevId > this.maxId) this.maxId = prevId;
    this.drift = drift;
    return { records: sorted, ids };
  }
}

/** What one write stored: the records in time order and the id each got. */
export interface StoredBatch {
  records: LogInsert[];
  ids: number[];
}

declare module '../../core/events.js' {
  interface EngineEvents {
    /** Log records were stored (committed): files' lines and OTLP log records alike. */
    'logs.stored': StoredBatch;
    /** Log records with ids in [fromId, toId] were deleted (retention, a file's records erased), maybe not all of them. */
    'logs.deleted': { fromId: number; toId: number };
  }
}

/** The stored rows of a batch, as the readers would return them (for the live tail). */
export function rowsOf(batch: StoredBatch): LogRow[] {
  return batch.records.map((r, i) => ({
    id: batch.ids[i]!,
    ts: storedTs(r.ts),
    severity: r.severity,
    level_text: r.levelText ?? null,
    file_id: r.fileId,
    source_id: r.sourceId,
    logger: r.logger ?? null,
    service: r.service ?? null,
    message: r.message,
    attributes: r.attributes && hasKeys(r.attributes) ? JSON.stringify(r.attributes) : null,
    trace_id: r.traceId ?? null,
    span_id: r.spanId ?? null,
    exc_type: r.exception?.type ?? null,
    exc_message: r.exception?.message ?? null,
    flags: r.flags,
  }));
}

/** The time a record is stored with (whole µs, clamped to what an id can be: see MAX_TS). */
function storedTs(ts: number): number {
  return ts < 0 ? 0 : ts > MAX_TS ? MAX_TS : Math.trunc(ts);
}

function inTimeOrder(records: readonly LogInsert[]): boolean {
  for (let i = 1; i < records.length; i++) if (records[i]!.ts < records[i - 1]!.ts) return false;
  return true;
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

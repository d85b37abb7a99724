// The one writer of log records. Each call is one transaction holding the records, their
// full-text rows, the per-minute counts and the checkpoints of the files they were read from, so a
// crash at any moment leaves every file's offset consistent with the records stored.
import type { Db } from './database.js';
import type { LogRow } from './rows.js';
import { levelIndexOf, minuteOf } from './rollup.js';
import { attributesSearchText } from '../query/index.js';

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
}

/**
 * The latest time we can give a row id: ids are µs and must stay exact as JS numbers (< 2^53).
 * Times beyond (year ~2255) are clamped; so are times before the epoch.
 */
export const MAX_TS = 2 ** 53 - 2 ** 40;

export class LogWriter {
  private readonly insertLog;
  private readonly insertFts;
  private readonly idTaken;
  private readonly upsertCount;
  private readonly saveCheckpoint;
  private readonly saveMeta;
  /** The largest id stored: a candidate id above it needs no look-up. */
  private maxId: number;
  /** The largest (id - ts) ever stored: a time range [from, to] lies within ids [from, to + maxDrift]. */
  private drift: number;
  private readonly writeTx;

  constructor(private readonly db: Db) {
    this.insertLog = db.prepare(
      `INSERT INTO logs (id, ts, severity, level_text, file_id, source_id, logger, service, message,
         attributes, trace_id, span_id, exc_type, exc_message, flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertFts = db.prepare('INSERT INTO logs_fts (rowid, message, attrs) VALUES (?, ?, ?)');
    this.idTaken = db.prepare('SELECT 1 FROM logs WHERE id = ?').pluck();
    this.upsertCount = db.prepare(
      `INSERT INTO log_counts (minute, source_id, level, n) VALUES (?, ?, ?, ?)
       ON CONFLICT (minute, source_id, level) DO UPDATE SET n = n + excluded.n`,
    );
    this.saveCheckpoint = db.prepare(
      `UPDATE files SET offset = ?, records = records + ?, bytes = bytes + ?,
         truncated_lines = truncated_lines + ?, invalid_utf8_lines = invalid_utf8_lines + ?, updated_at = ?
       WHERE id = ?`,
    );
    this.saveMeta = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.maxId = (db.prepare('SELECT max(id) FROM logs').pluck().get() as number | null) ?? 0;
    this.drift = Number(db.prepare("SELECT value FROM meta WHERE key = 'max_drift'").pluck().get() ?? 0);
    this.writeTx = db.transaction((records: LogInsert[], checkpoints: Map<number, FileCheckpoint>) =>
      this.writeInTransaction(records, checkpoints),
    );
  }

  /** The largest (id - ts) stored; see `drift`. */
  get maxDrift(): number {
    return this.drift;
  }

  /**
   * Store records and checkpoints in one transaction. Returns the stored rows (with their ids),
   * in time order, for the live tail.
   */
  write(records: LogInsert[], checkpoints: Map<number, FileCheckpoint> = new Map()): LogRow[] {
    if (records.length === 0 && checkpoints.size === 0) return [];
    return this.writeTx(records, checkpoints);
  }

  private writeInTransaction(records: LogInsert[], checkpoints: Map<number, FileCheckpoint>): LogRow[] {
    // Time order inside the batch keeps the b-tree appends sequential and FTS5 from flushing its
    // pending terms on every out-of-order rowid.
    const sorted = records.slice().sort((a, b) => a.ts - b.ts);
    const rows: LogRow[] = new Array(sorted.length);
    const counts = new Map<string, number>();
    let prevId = -1;
    let drift = this.drift;
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i]!;
      const ts = r.ts < 0 ? 0 : r.ts > MAX_TS ? MAX_TS : Math.trunc(r.ts);
      let id = ts > prevId ? ts : prevId + 1;
      // Only ids at or below the largest stored one can be taken (backfilled history).
      if (id <= this.maxId) while (this.idTaken.get(id) !== undefined) id++;
      prevId = id;
      if (id - ts > drift) drift = id - ts;

      const attributes = r.attributes && hasKeys(r.attributes) ? JSON.stringify(r.attributes) : null;
      const row: LogRow = {
        id,
        ts,
        severity: r.severity,
        level_text: r.levelText ?? null,
        file_id: r.fileId,
        source_id: r.sourceId,
        logger: r.logger ?? null,
        service: r.service ?? null,
        message: r.message,
        attributes,
        trace_id: r.traceId ?? null,
        span_id: r.spanId ?? null,
        exc_type: r.exception?.type ?? null,
        exc_message: r.exception?.message ?? null,
        flags: r.flags,
      };
      this.insertLog.run(
        id,
        ts,
        row.severity,
        row.level_text,
        row.file_id,
        row.source_id,
        row.logger,
        row.service,
        row.message,
        attributes,
        row.trace_id,
        row.span_id,
        row.exc_type,
        row.exc_message,
        row.flags,
      );
      // The live tail rebuilds this text the same way (attributesSearchText): keep them one function.
      this.insertFts.run(id, r.message, r.attributes ? attributesSearchText(r.attributes) : '');
      rows[i] = row;

      const key = `${minuteOf(ts)}:${r.sourceId ?? 0}:${levelIndexOf(r.severity)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) {
      const [minute, sourceId, level] = key.split(':');
      this.upsertCount.run(Number(minute), Number(sourceId), Number(level), n);
    }
    const now = Date.now() * 1000;
    for (const [fileId, c] of checkpoints) {
      this.saveCheckpoint.run(c.offset, c.records, c.bytes, c.truncatedLines, c.invalidUtf8Lines, now, fileId);
    }
    if (drift !== this.drift) this.saveMeta.run('max_drift', String(drift));
    // Only after the statements ran: a failed transaction must not move these.
    if (prevId > this.maxId) this.maxId = prevId;
    this.drift = drift;
    return rows;
  }
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

// Rows of `sources` (what the user asked to watch) and `files` (each physical file seen, with
// its checkpoint). Checkpoints themselves move only in LogWriter's transactions.
import type { Db } from '../core/database.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { FileIdentity, KnownFile } from '../core/file-identity.js';

/** The kinds of source persisted in `sources` (StatsD is set per run, not stored). */
export type StoredSourceKind = 'file' | 'folder' | 'scrape';

export interface SourceRow {
  id: number;
  kind: StoredSourceKind;
  /** The watched path, or the scraped URL. */
  path: string;
  format: string | null;
  created_at: number;
  removed: number;
  /** 1: a folder's links to files outside it are read. */
  follow_symlinks: number;
  /** The kind's settings as JSON (scrape: interval, timeout, job); null for files and folders. */
  config: string | null;
}

export interface FileRow {
  id: number;
  source_id: number;
  path: string;
  dev: number;
  ino: number;
  fp_len: number;
  fp_hash: string;
  offset: number;
  format: string | null;
  records: number;
  bytes: number;
  truncated_lines: number;
  invalid_utf8_lines: number;
  gone: number;
  updated_at: number;
  first_id: number | null;
  last_id: number | null;
  superseded: number;
  truncations: number;
  start_offset: number;
  /** Read tail first: the older part [0, backfill_end) is stored up to backfill_offset (NULL: no such part). */
  backfill_offset: number | null;
  backfill_end: number | null;
}

export class SourceStore {
  constructor(
    private readonly db: Db,
    /** Stamps when sources and files were added. */
    private readonly clock: Clock = systemClock,
  ) {}

  listSources(): SourceRow[] {
    return this.db.prepare('SELECT * FROM sources WHERE removed = 0 ORDER BY id').all() as SourceRow[];
  }

  getSource(id: number): SourceRow | undefined {
    return this.db.prepare('SELECT * FROM sources WHERE id = ? AND removed = 0').get(id) as SourceRow | undefined;
  }

  /**
   * Add a source, or bring back a removed one with the same path (its checkpoints still hold).
   * `config`: the kind's settings (stored as JSON), for the kinds that have some.
   */
  addSource(kind: StoredSourceKind, path: string, format: string | null, followSymlinks = false, config: object | null = null): SourceRow {
    const follow = followSymlinks ? 1 : 0;
    const json = config === null ? null : JSON.stringify(config);
    const existing = this.db.prepare('SELECT * FROM sources WHERE path = ?').get(path) as SourceRow | undefined;
    if (existing) {
      this.db
        .prepare('UPDATE sources SET removed = 0, kind = ?, format = ?, follow_symlinks = ?, config = ? WHERE id = ?')
        .run(kind, format, follow, json, existing.id);
      return { ...existing, kind, format, removed: 0, follow_symlinks: follow, config: json };
    }
    const info = this.db
      .prepare('INSERT INTO sources (kind, path, format, created_at, follow_symlinks, config) VALUES (?, ?, ?, ?, ?, ?)')
      .run(kind, path, format, this.clock.nowUs(), follow, json);
    return this.getSource(Number(info.lastInsertRowid))!;
  }

  setSourceFormat(id: number, format: string | null): void {
    this.db.prepare('UPDATE sources SET format = ? WHERE id = ?').run(format, id);
  }

  removeSource(id: number): void {
    this.db.prepare('UPDATE sources SET removed = 1 WHERE id = ?').run(id);
  }

  /** Every source path by id, removed ones included (their records still name them). */
  sourcePaths(): Map<number, string> {
    const rows = this.db.prepare('SELECT id, path FROM sources').all() as { id: number; path: string }[];
    return new Map(rows.map((r) => [r.id, r.path]));
  }

  /** The files of a source (not the superseded rows whose records are being erased). */
  filesOf(sourceId: number): FileRow[] {
    return this.db.prepare('SELECT * FROM files WHERE source_id = ? AND superseded = 0 ORDER BY id').all(sourceId) as FileRow[];
  }

  /**
   * Force a format (null: detect), and start the files of the source still being followed over:
   * each gets a new row at offset 0 (same identity, so the tailer resumes it from the start) and
   * the old row is marked superseded, its records to be erased. One transaction: after a crash
   * either nothing changed or all of it holds. Files that are gone keep their records: their bytes
   * can't be read again; so do files truncated in place (copytruncate): their records hold lines
   * that are only in the copies now; and such copies (read from their end: their lines are stored
   * as the original's). They all take the new format for what they get from now on.
   */
  rereadWithFormat(sourceId: number, format: string | null): FileRow[] {
    return this.db.transaction((): FileRow[] => {
      this.setSourceFormat(sourceId, format);
      const rows = this.filesOf(sourceId).filter((f) => f.gone === 0 && f.truncations === 0 && f.start_offset === 0);
      for (const f of rows) {
        this.insertFile(sourceId, f.path, { dev: f.dev, ino: f.ino, fpLen: f.fp_len, fpHash: f.fp_hash }, 0);
        this.db.prepare('UPDATE files SET superseded = 1, gone = 1 WHERE id = ?').run(f.id);
      }
      return rows;
    })();
  }

  /** Rows whose records are (still) to be erased. */
  supersededFiles(): FileRow[] {
    return this.db.prepare('SELECT * FROM files WHERE superseded = 1 ORDER BY id').all() as FileRow[];
  }

  /** A superseded row whose records were erased. */
  deleteFile(fileId: number): void {
    this.db.prepare('DELETE FROM files WHERE id = ? AND superseded = 1').run(fileId);
  }

  /** The files whose checkpoints the tailer resumes from (the gone ones are finished). */
  knownFiles(sourceId: number): KnownFile[] {
    return this.filesOf(sourceId)
      .filter((f) => f.gone === 0)
      .map((f) => ({
        fileId: f.id,
        path: f.path,
        dev: f.dev,
        ino: f.ino,
        fpLen: f.fp_len,
        fpHash: f.fp_hash,
        offset: f.offset,
        ...(f.backfill_end !== null && f.backfill_offset !== null && f.backfill_offset < f.backfill_end
          ? { backfill: { offset: f.backfill_offset, end: f.backfill_end } }
          : {}),
      }));
  }

  /** Other sources' rows for the file with this device and inode (their records not being erased), newest first. */
  filesWithInode(dev: number, ino: number, notSourceId: number): FileRow[] {
    return this.db
      .prepare('SELECT * FROM files WHERE dev = ? AND ino = ? AND source_id != ? AND superseded = 0 ORDER BY id DESC')
      .all(dev, ino, notSourceId) as FileRow[];
  }

  /** Hand a file, with its checkpoint and records, to another source (its own was removed). */
  moveFile(fileId: number, sourceId: number): void {
    this.db.prepare('UPDATE files SET source_id = ?, gone = 0 WHERE id = ?').run(sourceId, fileId);
  }

  fileOffset(fileId: number): number {
    return (this.db.prepare('SELECT offset FROM files WHERE id = ?').pluck().get(fileId) as number | undefined) ?? 0;
  }

  filePath(fileId: number): string | undefined {
    return this.db.prepare('SELECT path FROM files WHERE id = ?').pluck().get(fileId) as string | undefined;
  }

  /**
   * A file seen for the first time, read from `offset`; with `backfill`, the bytes before `offset`
   * are read later (a big file read tail first), so its records start at 0 all the same.
   */
  insertFile(sourceId: number, path: string, identity: FileIdentity, offset: number, backfill = false): number {
    const info = this.db
      .prepare(
        `INSERT INTO files (source_id, path, dev, ino, fp_len, fp_hash, offset, start_offset, updated_at, backfill_offset, backfill_end)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        sourceId,
        path,
        identity.dev,
        identity.ino,
        identity.fpLen,
        identity.fpHash,
        offset,
        backfill ? 0 : offset,
        this.clock.nowUs(),
        backfill ? 0 : null,
        backfill ? offset : null,
      );
    return Number(info.lastInsertRowid);
  }

  /** Where the older part of a file read tail first is stored up to (0 when it has none). */
  fileBackfillOffset(fileId: number): number {
    return (this.db.prepare('SELECT backfill_offset FROM files WHERE id = ?').pluck().get(fileId) as number | null | undefined) ?? 0;
  }

  updateFile(fileId: number, change: { path?: string; identity?: FileIdentity }): void {
    if (change.path !== undefined) this.db.prepare('UPDATE files SET path = ? WHERE id = ?').run(change.path, fileId);
    const id = change.identity;
    if (id) {
      this.db
        .prepare('UPDATE files SET dev = ?, ino = ?, fp_len = ?, fp_hash = ? WHERE id = ?')
        .run(id.dev, id.ino, id.fpLen, id.fpHash, fileId);
    }
  }

  setFileFormat(fileId: number, format: string): void {
    this.db.prepare('UPDATE files SET format = ? WHERE id = ?').run(format, fileId);
  }

  markFileGone(fileId: number): void {
    this.db.prepare('UPDATE files SET gone = 1 WHERE id = ?').run(fileId);
  }
}

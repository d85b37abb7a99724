// Migration 15: the full-text index becomes a derived index that may lag behind the records. It
// moves to its own file (loupe-fts.db beside loupe.db, ATTACHed as `fts`; its schema is
// FTS_FILE_SCHEMA below), written by its own connection on its own thread in parallel with the
// records' writer: one SQLite file has one writer at a time, and the FTS insert was the ingest
// loop's bottleneck. The records' writer notes each batch's ids in `fts_pending`, in the batch's
// transaction; the indexer indexes them and keeps, in the FTS file and in the transaction that
// adds the index rows, the last batch indexed. After a crash it goes on from that mark: records
// stay exactly-once (checkpoints commit with them), the index catches up.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 15,
  description: 'logs: the full-text index in its own file, fed from a queue of written batches',
  up: `
      -- One row per batch of log records written and not yet full-text indexed (deleted by the
      -- records' writer once the FTS file's mark is past it).
      CREATE TABLE fts_pending (
        seq      INTEGER PRIMARY KEY AUTOINCREMENT,  -- write order of the batches (the FTS file's mark counts these; never reused)
        from_id  INTEGER NOT NULL,      -- the batch's smallest record id
        to_id    INTEGER NOT NULL,      -- its largest record id
        records  INTEGER NOT NULL,      -- how many records it holds
        bytes    INTEGER NOT NULL,      -- their message + attribute text, in UTF-16 code units (the size of the work left)
        ids      BLOB                   -- its record ids as little-endian float64s, ascending; NULL: every record in [from_id, to_id]
      );

      -- The index in this file is replaced by the one in the FTS file (the records stored before
      -- are queued to be indexed there when it is first attached: see attachFtsFile).
      DROP TABLE logs_fts;
    `,
};

/** An FTS5 index part's columns and options (CREATE VIRTUAL TABLE … USING this). */
export const FTS_PART_MODULE = `fts5(
    message, attrs, tags,
    content = '', contentless_delete = 1,
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
  )`;

/**
 * A new FTS file's first part (part 0, the one table of a file made before the parts): a
 * contentless full-text index over the message and the attribute values (rowid = logs.id);
 * contentless_delete lets retention drop rows by rowid. tags holds the record's level as a word
 * (FTS_TAGS_SQL in signals/logs/fts-index.ts), for counting a search's matches by level in the
 * index alone; searches read only message and attrs. (An index file made before tags existed is
 * made again: see attachFtsFile.)
 */
export const FTS_FIRST_PART = `CREATE VIRTUAL TABLE IF NOT EXISTS fts.logs_fts USING ${FTS_PART_MODULE}`;

/**
 * The FTS file's schema, created when the file is attached (it is derived: a lost or damaged file
 * is made again from the records). `IF NOT EXISTS`: run at every open.
 */
export const FTS_FILE_SCHEMA = `
  -- The index is in parts, each an FTS5 table (FTS_PART_MODULE; the first: FTS_FIRST_PART) over a contiguous range of ids (ids
  -- are times): retention drops a part whose records are all gone whole, so its deletions leave no
  -- tombstones in the parts recent searches read (signals/logs/fts-parts.ts). Derived data: a file
  -- from before the parts has part 0 only, and goes on from there.
  CREATE TABLE IF NOT EXISTS fts.fts_parts (
    part      INTEGER PRIMARY KEY,  -- 0: the table logs_fts; k > 0: logs_fts_<k> (never reused)
    first_id  INTEGER NOT NULL      -- its first record id: part k holds ids [first_id, the next part's first_id - 1]
                                    -- (the newest part: every id from first_id up; the oldest: every id below too)
  );
  -- A new file, or one from before the parts: part 0 (retention may drop it later, never the last part).
  INSERT INTO fts.fts_parts (part, first_id) SELECT 0, 0 WHERE NOT EXISTS (SELECT 1 FROM fts.fts_parts);
  -- The indexer's state, committed with the index rows.
  CREATE TABLE IF NOT EXISTS fts.fts_state (
    key    TEXT PRIMARY KEY,    -- 'through_seq': the last fts_pending batch indexed whole;
                                -- 'partial_id': the last id indexed of the next batch, -1 when none (big batches go in parts);
                                -- 'part_rows': the records indexed into the newest part (a new one starts past FtsIndexer's partRecords);
                                -- 'max_id': the largest id indexed (a new part starts above it);
                                -- 'old_part_rows': records indexed into parts other than the newest (their words change then)
    value  INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO fts.fts_state (key, value) VALUES ('through_seq', 0);
`;

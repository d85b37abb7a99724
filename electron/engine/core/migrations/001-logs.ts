// Migration 1: the logs store (records, their full-text index, per-minute counts) and the sources
// and files it reads, with the checkpoints that make ingest exactly-once.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 1,
  description: 'logs, full-text index, per-minute counts, sources and file checkpoints',
  up: `
      -- Inputs the user asked for (a file or a folder). The set persists across restarts.
      CREATE TABLE sources (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('file', 'folder')),
        path        TEXT NOT NULL UNIQUE,
        format      TEXT,                -- a user's format override, NULL = detect per file
        created_at  INTEGER NOT NULL,    -- µs
        -- Removing a source keeps its row (and its files' checkpoints): adding the same path again
        -- resumes where it stopped instead of reading everything twice.
        removed     INTEGER NOT NULL DEFAULT 0
      );

      -- One row per physical file seen (identity = dev + ino + fingerprint of its first bytes),
      -- holding the tail checkpoint. 'offset' is committed in the same transaction as the records
      -- read up to it: that is what makes ingest exactly-once across crashes.
      CREATE TABLE files (
        id          INTEGER PRIMARY KEY,
        source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        path        TEXT NOT NULL,       -- where it was last seen
        dev         INTEGER NOT NULL,
        ino         INTEGER NOT NULL,
        fp_len      INTEGER NOT NULL,    -- how many leading bytes the fingerprint covers
        fp_hash     TEXT NOT NULL,
        offset      INTEGER NOT NULL DEFAULT 0,
        format      TEXT,                -- the format detected (or forced) for this file
        records     INTEGER NOT NULL DEFAULT 0,
        bytes       INTEGER NOT NULL DEFAULT 0,
        truncated_lines INTEGER NOT NULL DEFAULT 0,
        invalid_utf8_lines INTEGER NOT NULL DEFAULT 0,
        gone        INTEGER NOT NULL DEFAULT 0,   -- 1 once the file was deleted or rotated out of reach
        updated_at  INTEGER NOT NULL
      );
      CREATE INDEX files_by_source ON files(source_id);

      -- The log records, of files and (later) OTLP. The row id is the record's time in µs, bumped
      -- to the next free value on a tie: newest-first is then a walk down the primary key, for
      -- plain and full-text queries alike, and backfilled history lands where it belongs.
      CREATE TABLE logs (
        id          INTEGER PRIMARY KEY,
        ts          INTEGER NOT NULL,    -- µs since the epoch (the record's own time)
        severity    INTEGER NOT NULL,    -- OpenTelemetry 1..24, 0 = unspecified
        level_text  TEXT,
        file_id     INTEGER,             -- files.id, NULL for records that came over OTLP
        source_id   INTEGER,             -- sources.id, NULL for OTLP
        logger      TEXT,
        service     TEXT,
        message     TEXT NOT NULL,
        attributes  TEXT,                -- JSON object, or NULL
        trace_id    TEXT,
        span_id     TEXT,
        exc_type    TEXT,
        exc_message TEXT,
        flags       INTEGER NOT NULL DEFAULT 0  -- 1 ts inferred, 2 truncated, 4 invalid UTF-8 replaced
      );

      -- Contentless full-text index over the message and the attribute values (rowid = logs.id).
      -- The app inserts its rows in the writer's transaction (measured: a sync trigger made ingest
      -- 3.2x slower, as each trigger statement's savepoint flushes FTS5's pending terms);
      -- contentless_delete lets retention drop rows by rowid.
      CREATE VIRTUAL TABLE logs_fts USING fts5(
        message, attrs,
        content = '', contentless_delete = 1,
        tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
      );

      -- Per-minute counts by source and level, kept as records are written: the histogram reads
      -- these instead of grouping millions of rows.
      CREATE TABLE log_counts (
        minute      INTEGER NOT NULL,    -- µs of the minute's start
        source_id   INTEGER NOT NULL,    -- 0 for records without a source
        level       INTEGER NOT NULL,    -- 0..5 = trace..fatal
        n           INTEGER NOT NULL,
        PRIMARY KEY (minute, source_id, level)
      ) WITHOUT ROWID;

      -- Small facts about the store (the largest id-minus-ts drift, …).
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
};

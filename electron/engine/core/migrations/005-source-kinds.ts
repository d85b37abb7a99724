// Migration 5: sources of other kinds than files (Prometheus scrape targets) with a per-kind config;
// SQLite cannot change a CHECK in place, so sources and files are rebuilt.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 5,
  description: 'sources of other kinds than files: Prometheus scrape targets, with a per-kind config',
  up: `
      -- SQLite cannot change a CHECK constraint in place: the table is rebuilt. foreign_keys is on
      -- (and cannot be turned off inside this migration's transaction), so dropping 'sources' while
      -- 'files' points at it would cascade-delete every checkpoint: 'files' is rebuilt beside it,
      -- pointing at the new table, and the old pair dropped child first. The renames then carry the
      -- reference over (sources_v5 -> sources).
      CREATE TABLE sources_v5 (
        id          INTEGER PRIMARY KEY,
        -- 'scrape': a Prometheus endpoint scraped on an interval (its URL in 'path'). StatsD is not
        -- here: it is set per run by loupe serve's --statsd-port, as the OTLP ports are.
        kind        TEXT NOT NULL CHECK (kind IN ('file', 'folder', 'scrape')),
        path        TEXT NOT NULL UNIQUE,  -- the watched path, or the scraped URL
        format      TEXT,
        created_at  INTEGER NOT NULL,
        removed     INTEGER NOT NULL DEFAULT 0,
        follow_symlinks INTEGER NOT NULL DEFAULT 0,
        -- The kind's settings as a JSON object, NULL for files and folders. scrape:
        -- {"intervalMs": 15000, "timeoutMs": 10000, "job": "api"} (job optional: host:port).
        config      TEXT
      );
      INSERT INTO sources_v5 (id, kind, path, format, created_at, removed, follow_symlinks)
        SELECT id, kind, path, format, created_at, removed, follow_symlinks FROM sources;

      CREATE TABLE files_v5 (
        id          INTEGER PRIMARY KEY,
        source_id   INTEGER NOT NULL REFERENCES sources_v5(id) ON DELETE CASCADE,
        path        TEXT NOT NULL,
        dev         INTEGER NOT NULL,
        ino         INTEGER NOT NULL,
        fp_len      INTEGER NOT NULL,
        fp_hash     TEXT NOT NULL,
        offset      INTEGER NOT NULL DEFAULT 0,
        format      TEXT,
        records     INTEGER NOT NULL DEFAULT 0,
        bytes       INTEGER NOT NULL DEFAULT 0,
        truncated_lines INTEGER NOT NULL DEFAULT 0,
        invalid_utf8_lines INTEGER NOT NULL DEFAULT 0,
        gone        INTEGER NOT NULL DEFAULT 0,
        updated_at  INTEGER NOT NULL,
        first_id    INTEGER,
        last_id     INTEGER,
        superseded  INTEGER NOT NULL DEFAULT 0,
        truncations INTEGER NOT NULL DEFAULT 0,
        start_offset INTEGER NOT NULL DEFAULT 0
      );
      INSERT INTO files_v5 SELECT id, source_id, path, dev, ino, fp_len, fp_hash, offset, format, records, bytes,
        truncated_lines, invalid_utf8_lines, gone, updated_at, first_id, last_id, superseded, truncations, start_offset FROM files;

      DROP TABLE files;
      DROP TABLE sources;
      ALTER TABLE sources_v5 RENAME TO sources;
      ALTER TABLE files_v5 RENAME TO files;
      CREATE INDEX files_by_source ON files(source_id);
    `,
};

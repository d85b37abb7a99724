// Numbered, forward-only migrations. A database whose user_version is newer than the last
// migration here was written by a newer Loupe: it is refused with a clear message, never touched.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
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
  },
  {
    version: 2,
    description: 'OTLP: resources, spans with per-trace summaries and operations, metric series and points',
    up: `
      -- Resources (service.name, host, process, …) stored once and shared by their spans and series.
      CREATE TABLE resources (
        id          INTEGER PRIMARY KEY,
        hash        TEXT NOT NULL UNIQUE,  -- of the attributes' canonical JSON and the schema URL
        service     TEXT,                  -- the service.name attribute
        attributes  TEXT NOT NULL,         -- JSON object
        schema_url  TEXT
      );

      -- One row per span; a retried export stores nothing twice (UNIQUE trace + span id), and a
      -- child may arrive before its parent (or without one).
      CREATE TABLE spans (
        id             INTEGER PRIMARY KEY,
        trace_id       TEXT NOT NULL,      -- 32 lower-case hex digits
        span_id        TEXT NOT NULL,      -- 16 lower-case hex digits
        parent_span_id TEXT,
        trace_state    TEXT,
        name           TEXT NOT NULL,
        kind           INTEGER NOT NULL,   -- 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer
        start_us       INTEGER NOT NULL,
        end_us         INTEGER NOT NULL,
        duration_us    INTEGER NOT NULL,
        status_code    INTEGER NOT NULL,   -- 0 unset, 1 ok, 2 error
        status_message TEXT,
        service        TEXT,
        resource_id    INTEGER REFERENCES resources(id),
        scope_name     TEXT,
        scope_version  TEXT,
        attributes     TEXT,               -- JSON object, or NULL
        events         TEXT,               -- JSON array of {timeUs, name, attributes?}, or NULL
        links          TEXT,               -- JSON array of {traceId, spanId, traceState?, attributes?}, or NULL
        flags          INTEGER NOT NULL DEFAULT 0,
        UNIQUE (trace_id, span_id)
      );
      -- Newest-first search walks this (and stops once it has a page of traces).
      CREATE INDEX spans_by_start ON spans(start_us);

      -- One row per trace, kept as its spans are written: trace search and retention read these
      -- instead of grouping spans.
      CREATE TABLE traces (
        trace_id      TEXT PRIMARY KEY,
        start_us      INTEGER NOT NULL,
        end_us        INTEGER NOT NULL,
        span_count    INTEGER NOT NULL,
        error_count   INTEGER NOT NULL,
        root_service  TEXT,                -- of the span without a parent, once it arrived
        root_name     TEXT,
        services      TEXT NOT NULL        -- JSON array of the services seen, sorted
      ) WITHOUT ROWID;
      CREATE INDEX traces_by_start ON traces(start_us);

      -- The (service, operation) pairs seen, for the search form's choices.
      CREATE TABLE span_operations (
        service     TEXT NOT NULL,
        name        TEXT NOT NULL,
        span_count  INTEGER NOT NULL,
        last_us     INTEGER NOT NULL,
        PRIMARY KEY (service, name)
      ) WITHOUT ROWID;

      -- A metric time series: everything that identifies it (OTLP's identity rules).
      CREATE TABLE metric_series (
        id            INTEGER PRIMARY KEY,
        hash          TEXT NOT NULL UNIQUE, -- of every identifying column below
        resource_id   INTEGER REFERENCES resources(id),
        service       TEXT,
        scope_name    TEXT,
        scope_version TEXT,
        name          TEXT NOT NULL,
        description   TEXT,
        type          TEXT NOT NULL CHECK (type IN ('gauge', 'sum', 'histogram', 'exponential_histogram', 'summary')),
        unit          TEXT,
        temporality   INTEGER NOT NULL,     -- 0 unspecified, 1 delta, 2 cumulative
        monotonic     INTEGER NOT NULL,
        attributes    TEXT                  -- JSON object of the point attributes, or NULL
      );
      CREATE INDEX metric_series_by_name ON metric_series(name);

      -- Points of every type. start_us tells cumulative resets apart (a new start = a reset).
      CREATE TABLE metric_points (
        id            INTEGER PRIMARY KEY,
        series_id     INTEGER NOT NULL REFERENCES metric_series(id),
        start_us      INTEGER,
        ts            INTEGER NOT NULL,
        value         REAL,                 -- gauge/sum as_double
        int_value     INTEGER,              -- gauge/sum as_int (exact 64-bit)
        count         INTEGER,              -- histograms, summaries
        sum           REAL,
        min           REAL,
        max           REAL,
        distribution  TEXT,                 -- JSON: {bounds, counts} | {scale, zeroCount, zeroThreshold, positive, negative} | {quantiles}
        exemplars     TEXT,                 -- JSON array, or NULL
        flags         INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX metric_points_by_series ON metric_points(series_id, ts);
      CREATE INDEX metric_points_by_ts ON metric_points(ts);
    `,
  },
  {
    version: 3,
    description: 'files: the id range of their records, rows superseded by a re-read, truncations',
    up: `
      -- The smallest and largest logs.id of the file's records: erasing them (a re-read with another
      -- format) scans that range of the primary key, not the whole table.
      ALTER TABLE files ADD COLUMN first_id INTEGER;
      ALTER TABLE files ADD COLUMN last_id INTEGER;
      -- 1 when the file is being read again from the start under a new row: this row's records are
      -- being erased (resumed at start-up if Loupe stopped half-way), then the row goes.
      ALTER TABLE files ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
      -- How often the file was truncated in place (copytruncate): its records then hold lines its
      -- bytes no longer have, so a re-read must not erase them.
      ALTER TABLE files ADD COLUMN truncations INTEGER NOT NULL DEFAULT 0;
      -- Where reading began: a copytruncate copy in a folder starts at its end (its lines were
      -- stored as the original file's), so a re-read from 0 would store them twice.
      ALTER TABLE files ADD COLUMN start_offset INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 4,
    description: 'sources: whether links in a folder to files outside it are followed',
    up: `
      -- 1 when the user asked for a folder's symbolic links to files outside it to be read; 0 (the
      -- default): such a link is listed on the source as not followed (x.log -> ~/.ssh/id_rsa).
      ALTER TABLE sources ADD COLUMN follow_symlinks INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
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
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export class NewerDatabaseError extends Error {
  constructor(
    readonly path: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `The database ${path} was written by a newer version of Loupe (schema ${found}; this version knows up to ${supported}). ` +
        'Update Loupe, or start it with another --data-dir.',
    );
    this.name = 'NewerDatabaseError';
  }
}

/** Bring the database up to SCHEMA_VERSION, each migration in its own transaction. */
export function migrate(db: Database.Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new NewerDatabaseError(path, current, SCHEMA_VERSION);
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

// Migration 2: what OTLP brings: resources, spans with per-trace summaries and operations, metric
// series and points.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
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
};

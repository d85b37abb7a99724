// Migration 13: OTLP metric points are first appended to a log without any index, and moved into
// metric_points (whose (series_id, ts) index serves the reads) by a lagging fold, many points of
// each series at once. Writing them straight into metric_points made each transaction of an SDK's
// periodic export (one or two points of each of 1,000 series) rewrite one index page per series.
// The fold is one transaction (moved and deleted together), and a read folds first, so the log is
// never seen by a query and no point is lost or doubled.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 13,
  description: 'metric_points_log: OTLP metric points appended unindexed, folded into metric_points',
  up: `
      -- The points acknowledged but not folded yet, in arrival order (rowid); the columns are
      -- metric_points' own (see migrations 2 and 9), the id given when folded.
      CREATE TABLE metric_points_log (
        series_id     INTEGER NOT NULL,     -- metric_series.id
        start_us      INTEGER,              -- as metric_points.start_us
        ts            INTEGER NOT NULL,     -- µs
        value         REAL,                 -- gauge/sum as_double
        int_value     INTEGER,              -- gauge/sum as_int (exact 64-bit)
        count         INTEGER,              -- histograms, summaries
        sum           REAL,                 -- histograms, summaries
        min           REAL,                 -- histograms
        max           REAL,                 -- histograms
        distribution  TEXT,                 -- JSON, as metric_points.distribution
        bounds_id     INTEGER,              -- metric_bounds.id (classic histograms)
        bucket_counts BLOB,                 -- bucket-codec.ts's form
        exemplars     TEXT,                 -- JSON array, or NULL
        flags         INTEGER NOT NULL      -- OTLP data point flags
      );
    `,
};

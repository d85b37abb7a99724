// Migration 6: metric storage for fast long-range queries: histogram buckets as a compact BLOB
// (counts as varints, the bounds stored once per bound set), and downsampled rollups (1-minute and
// 1-hour) of counters and histograms kept beside the raw points, clustered by series.
// Rows written before this version keep their JSON `distribution` and are still read as they are.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 6,
  description: 'metric points: histogram buckets as a BLOB with shared bound sets; 1-minute and 1-hour rollups',
  up: `
      -- The explicit bounds of classic histograms, stored once per distinct set (an SDK uses a few).
      CREATE TABLE metric_bounds (
        id      INTEGER PRIMARY KEY,
        bounds  TEXT NOT NULL UNIQUE        -- JSON array of the upper bounds, ascending (no +Inf)
      );

      -- A classic histogram point written from now on: its bound set, and the per-bucket counts
      -- (bounds + 1 of them, the last one above the highest bound) as unsigned LEB128 varints.
      -- Such a point has distribution NULL; older points keep their JSON distribution.
      ALTER TABLE metric_points ADD COLUMN bounds_id INTEGER REFERENCES metric_bounds(id);
      ALTER TABLE metric_points ADD COLUMN bucket_counts BLOB;

      -- Downsampled copies of cumulative counters (monotonic sums) and cumulative histograms, read
      -- for rate()/increase() over long windows. Per series and resolution: the last point of each
      -- slot (res seconds, aligned on the epoch), and also the points on each side of a counter
      -- reset, so the increases summed between kept points equal those between raw points. The
      -- newest (open) slot is written once it closes: a query reads the raw points after a
      -- series' last rollup row. Columns as in metric_points; clustered by series for range reads.
      CREATE TABLE metric_rollups (
        series_id      INTEGER NOT NULL,
        res            INTEGER NOT NULL,    -- slot length in seconds: 60 or 3600
        ts             INTEGER NOT NULL,    -- µs, the kept raw point's own time
        value          REAL,                -- sums: the value (an integer one as a double)
        count          INTEGER,             -- histograms
        sum            REAL,
        bounds_id      INTEGER,             -- classic histograms: as in metric_points
        bucket_counts  BLOB,
        distribution   TEXT,                -- exponential histograms: the JSON of metric_points
        flags          INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (series_id, res, ts)
      ) WITHOUT ROWID;
      -- Retention removes rollups older than the raw points it keeps.
      CREATE INDEX metric_rollups_by_ts ON metric_rollups(ts);
    `,
};

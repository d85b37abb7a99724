// Migration 9: metric storage for fast long-range queries: histogram buckets as a compact BLOB
// (counts as varints, the bounds stored once per bound set), and downsampled rollups (1-minute and
// 1-hour) of counters and histograms kept beside the raw points, in chunks clustered by series.
// Rows written before this version keep their JSON `distribution` and are still read as they are.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 9,
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
      -- for rate()/increase() over long windows. Per series and resolution, the points kept: the
      -- last of each slot (res seconds, aligned on the epoch), and the points on each side of a
      -- counter reset, so the increases summed between kept points equal those between raw points.
      -- They are packed in chunks (rollup-chunks.ts says the layout), appended to as points are
      -- kept; a slot is kept once a later one starts, so a query reads the raw points after a
      -- series' last kept one.
      CREATE TABLE metric_rollups (
        series_id  INTEGER NOT NULL,
        res        INTEGER NOT NULL,        -- slot length in seconds: 60 or 3600
        start_ts   INTEGER NOT NULL,        -- µs, the chunk's first sample's time
        end_ts     INTEGER NOT NULL,        -- µs, its last sample's time
        samples    BLOB NOT NULL,           -- the kept points, oldest first
        PRIMARY KEY (series_id, res, start_ts)
      ) WITHOUT ROWID;
      -- Retention removes chunks whose newest sample is older than the raw points it keeps.
      CREATE INDEX metric_rollups_by_end ON metric_rollups(end_ts);
    `,
};

// Migration 12: metric points are written faster without their (ts) index, which only retention
// read. Retention now finds old points by id instead: ids grow as points arrive, and a small table
// keeps, per block of 65,536 ids, the oldest and newest point time written in it, so deleting what
// is older than a cutoff reads only the blocks that hold such points (a whole block by its id range
// when all of it is older, else its rows filtered by time: exactly the points older than the cutoff,
// whatever order they arrived in).
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 12,
  description: 'metric points: retention by id blocks (time bounds per block) instead of the (ts) index',
  up: `
      -- Per block of metric_points ids (id / 65536), bounds of the times of its points: min_ts is at
      -- or before its oldest point, max_ts at or after its newest (the writer widens them as it
      -- writes; retention narrows min_ts once it has deleted what was older). A block without
      -- points left is deleted.
      CREATE TABLE metric_point_blocks (
        block   INTEGER PRIMARY KEY,    -- metric_points.id / 65536
        min_ts  INTEGER NOT NULL,       -- µs
        max_ts  INTEGER NOT NULL        -- µs
      );
      -- Retention asks for the blocks with points older than its cutoff.
      CREATE INDEX metric_point_blocks_by_min ON metric_point_blocks(min_ts);
      INSERT INTO metric_point_blocks (block, min_ts, max_ts)
        SELECT id / 65536, min(ts), max(ts) FROM metric_points GROUP BY id / 65536;

      -- Every point insert updated this index; the (series_id, ts) one serves the reads.
      DROP INDEX metric_points_by_ts;
    `,
};

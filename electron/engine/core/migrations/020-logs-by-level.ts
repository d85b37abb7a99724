// Migration 20: `level:error` (or warn, fatal) newest first without walking every record: a
// record of a rare level (1 in 1,000) was found by reading ~1,000 rows per match. The index holds
// the records of those levels only (info and below, most of a log, cost no write), keyed by level
// and then id, so a page of one level is a walk down the index in id order (log-reader.ts).
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 20,
  description: 'logs: an index of the warn, error and fatal records by level, newest first',
  up: `
      -- Key: the level index (rollup.ts's levelIndexOf: 3 warn, 4 error, 5 fatal) of severities
      -- 13..24, then the id; higher severities (out of range, read as info) are 6 and never asked for.
      CREATE INDEX logs_by_level ON logs((severity - 1) / 4) WHERE severity >= 13;
    `,
};

// Migration 16: a big file seen for the first time is read from its tail first (the newest lines
// on screen at once), then its older part from the start up to where the tail began. That older
// part has its own checkpoint, committed with its records like `offset`, so a crash during the
// backfill resumes it without losing or doubling a line.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 16,
  description: 'files: the checkpoint of a big file read tail first, whose older part is read after',
  up: `
      -- NULL: the file is read from offset 0 (no backfill). Else the bytes [0, backfill_end) are
      -- the older part, stored up to backfill_offset; done when the two are equal.
      ALTER TABLE files ADD COLUMN backfill_offset INTEGER;
      ALTER TABLE files ADD COLUMN backfill_end INTEGER;
    `,
};

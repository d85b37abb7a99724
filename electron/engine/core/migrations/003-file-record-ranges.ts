// Migration 3: files keep the id range of their records (an erase scans only that), rows superseded
// by a re-read, and their truncations.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
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
};

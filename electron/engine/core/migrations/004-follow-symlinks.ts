// Migration 4: whether a folder source follows links to files outside it.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 4,
  description: 'sources: whether links in a folder to files outside it are followed',
  up: `
      -- 1 when the user asked for a folder's symbolic links to files outside it to be read; 0 (the
      -- default): such a link is listed on the source as not followed (x.log -> ~/.ssh/id_rsa).
      ALTER TABLE sources ADD COLUMN follow_symlinks INTEGER NOT NULL DEFAULT 0;
    `,
};

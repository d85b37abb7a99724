// Numbered, forward-only migrations (one file each under migrations/), applied here in order. A
// database whose user_version is newer than the last migration was written by a newer Loupe: it is
// refused with a clear message, never touched.
import type Database from 'better-sqlite3';
import type { Migration } from './migrations/migration.js';
import { migration as m001 } from './migrations/001-logs.js';
import { migration as m002 } from './migrations/002-otlp.js';
import { migration as m003 } from './migrations/003-file-record-ranges.js';
import { migration as m004 } from './migrations/004-follow-symlinks.js';
import { migration as m005 } from './migrations/005-source-kinds.js';
import { migration as m006 } from './migrations/006-alert-rules.js';
import { migration as m007 } from './migrations/007-alert-manager.js';
import { migration as m008 } from './migrations/008-probe-results.js';
import { migration as m009 } from './migrations/009-metric-rollups.js';
import { migration as m010 } from './migrations/010-analysis.js';
import { migration as m011 } from './migrations/011-alert-history.js';
import { migration as m012 } from './migrations/012-metric-point-blocks.js';
import { migration as m013 } from './migrations/013-metric-point-log.js';
import { migration as m014 } from './migrations/014-slo-minutes.js';
import { migration as m015 } from './migrations/015-fts-own-file.js';
import { migration as m016 } from './migrations/016-file-backfill.js';
import { migration as m020 } from './migrations/020-logs-by-level.js';

export const MIGRATIONS: readonly Migration[] = [
  m001,
  m002,
  m003,
  m004,
  m005,
  m006,
  m007,
  m008,
  m009,
  m010,
  m011,
  m012,
  m013,
  m014,
  m015,
  m016,
  m020,
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

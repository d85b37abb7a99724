// Opens (or creates) Loupe's one SQLite file with the settings every connection needs.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createPrivateFile, PRIVATE_DIR_MODE } from './data-dir.js';
import { migrate } from './migrations.js';

export type Db = Database.Database;

/**
 * A better-sqlite3 build to load instead of the one in node_modules. node_modules is built for
 * Node's ABI (tests, `loupe serve`); the desktop app's engine runs on Electron's, and `npm start`
 * hands it a build for that ABI here (see scripts/electron-runtime.js).
 */
export const SQLITE_BINDING_ENV = 'LOUPE_SQLITE_BINDING';

export function newDatabase(path: string, options: Database.Options = {}): Db {
  const binding = process.env[SQLITE_BINDING_ENV];
  if (!binding) return new Database(path, options);
  try {
    return new Database(path, { ...options, nativeBinding: binding });
  } catch (err) {
    throw new Error(
      `SQLite could not be loaded from ${SQLITE_BINDING_ENV}=${binding}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function openDatabase(path: string): Db {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
    // SQLite would make it 0644; its -wal and -shm take the mode of the database file.
    createPrivateFile(path);
  }
  const db = newDatabase(path);
  try {
    // auto_vacuum only takes effect before the first table exists: set it first so retention can
    // give pages back to the OS with incremental_vacuum.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // A bigger page cache keeps the FTS segment merges and the newest b-tree pages in memory.
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    migrate(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

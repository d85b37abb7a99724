// Opens (or creates) Loupe's one SQLite file with the settings every connection needs.
import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createPrivateFile, PRIVATE_DIR_MODE } from './data-dir.js';
import { migrate } from './migrations.js';
import { FTS_FILE_SCHEMA, FTS_FIRST_PART } from './migrations/015-fts-own-file.js';

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

/**
 * One T per connection, made on its first use: state that belongs to a connection (its prepared
 * statements, what its own writers told it), shared by every module that holds the connection.
 */
export function perConnection<T>(make: (db: Db) => T): (db: Db) => T {
  const byDb = new WeakMap<Db, T>();
  return (db) => {
    let t = byDb.get(db);
    if (t === undefined) byDb.set(db, (t = make(db)));
    return t;
  };
}

/** `ftsJournal`: the index file's journal (see ftsJournalMode); a new file's is a WAL when none is given. */
export function openDatabase(path: string, ftsJournal?: FtsJournalMode): Db {
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
    // A bigger page cache keeps the newest b-tree pages in memory (SQLite's default is 2 MB). 32 MB:
    // at 64 a big folder's writes filled it and held the process's peak ~30 MB higher, for no
    // measurable gain (1M lines: the loop's and the indexer's CPU a line the same within the noise).
    db.pragma('cache_size = -32768');
    db.pragma('temp_store = MEMORY');
    const fresh = (db.pragma('user_version', { simple: true }) as number) === 0;
    migrate(db, path);
    attachFtsFile(db, path, fresh, ftsJournal);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * The journal of the full-text index file for a size limit. That file is written by two connections
 * (the indexer's thread, retention's deletions) and read by both, and its WAL was seldom restarted
 * between their transactions: it grew to 10–35 MB, which retention must keep free beside the data
 * (a third of a 32 MiB limit). Under FTS_WAL_MIN_LIMIT it takes a rollback journal, which holds one
 * transaction's overwritten pages and is cut to nothing at each commit — at a cost: the indexer
 * takes ~25 % more CPU a line (the index alone, 100k lines: 137–146k lines per CPU s against
 * 182–209k with the WAL). Above it, that WAL is a few percent of the limit at most.
 */
export function ftsJournalMode(maxDbBytes: number): FtsJournalMode {
  return maxDbBytes < FTS_WAL_MIN_LIMIT ? 'TRUNCATE' : 'WAL';
}
export type FtsJournalMode = 'WAL' | 'TRUNCATE';
const FTS_WAL_MIN_LIMIT = 1024 ** 3;

/** The full-text index's own file beside the database (see migration 15). */
export function ftsFilePath(dbPath: string): string {
  return dbPath === ':memory:' ? ':memory:' : `${dbPath.replace(/\.db$/, '')}-fts.db`;
}

/**
 * ATTACH the full-text index's file as `fts` (its parts are read through signals/logs/fts-parts.ts),
 * creating it when missing. A new database drops an index file left by an old one; an
 * index file made anew over existing records queues them all to be indexed again.
 */
export function attachFtsFile(db: Db, dbPath: string, freshDatabase = false, journal?: FtsJournalMode): void {
  const path = ftsFilePath(dbPath);
  if (path !== ':memory:') {
    if (freshDatabase) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    createPrivateFile(path);
  }
  db.prepare('ATTACH DATABASE ? AS fts').run(path);
  let known = db.prepare("SELECT 1 FROM fts.sqlite_master WHERE name = 'fts_state'").get() !== undefined;
  const columns = db.prepare("SELECT name FROM pragma_table_info('logs_fts', 'fts')").pluck().all() as string[];
  // (No part 0: retention dropped it, the file has later parts.)
  if (known && columns.length > 0 && !columns.includes('tags')) {
    // An index made before its rows had the level tags (and the parts): made again from the records (it is derived).
    db.exec('DROP TABLE fts.logs_fts; DROP TABLE fts.fts_state; DROP TABLE IF EXISTS fts.fts_parts');
    known = false;
  }
  if (!known) db.pragma('fts.auto_vacuum = INCREMENTAL');
  // Set at each open by the engine (no other connection has the file yet: a file made with the
  // other journal is switched); left as it is by a reader beside a running engine.
  const mode = journal ?? (known ? null : 'WAL');
  if (mode) db.pragma(`fts.journal_mode = ${mode}`);
  db.pragma('fts.synchronous = NORMAL');
  db.transaction(() => {
    if (!known) db.exec(FTS_FIRST_PART);
    db.exec(FTS_FILE_SCHEMA);
    if (!known) {
      // What was queued for a lost index file is covered by the one range below.
      db.exec("UPDATE fts.fts_state SET value = (SELECT coalesce(max(seq), 0) FROM fts_pending) WHERE key = 'through_seq'");
      // A new file's first part is empty (a file from before the parts lacks these: see FtsIndexer).
      db.exec("INSERT OR IGNORE INTO fts.fts_state (key, value) VALUES ('part_rows', 0), ('max_id', 0)");
      db.exec(`INSERT INTO fts_pending (from_id, to_id, records, bytes, ids)
        SELECT min(id), max(id), count(*), coalesce(sum(length(message) + coalesce(length(attributes), 0)), 0), NULL
        FROM logs HAVING count(*) > 0`);
    }
  })();
}

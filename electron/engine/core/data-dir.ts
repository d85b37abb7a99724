// The data folder holds every log line Loupe read and the API token: it is the user's alone. The
// folder is made 0700 and Loupe's files 0600 when created; a folder made by an older Loupe (0755,
// files 0644) is repaired at start. Files are created with their mode rather than by changing the
// umask: the engine runs inside other processes (tests, Electron's utility process) whose umask is
// theirs. SQLite gives its -wal and -shm files the database file's mode, so creating loupe.db 0600
// before SQLite opens it covers them.
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Loupe's own files in a data folder (the desktop's is Electron's userData: the rest is Electron's). */
const OWN_FILES = [
  'loupe.db',
  'loupe.db-wal',
  'loupe.db-shm',
  'loupe.db-journal',
  // The full-text index's own file (migration 15).
  'loupe-fts.db',
  'loupe-fts.db-wal',
  'loupe-fts.db-shm',
  'loupe-fts.db-journal',
  'loupe.lock',
  'loupe.pid',
  'api-token',
  'browser-sessions.json',
  'secrets.json',
  'secrets.key',
  'secrets-key.keychain',
];

/** Makes the data folder (0700) if needed; makes it and Loupe's files in it private if they are not. Returns what it changed. */
export function preparePrivateDir(dataDir: string): string[] {
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const repaired: string[] = [];
  const restrict = (path: string, mode: number): void => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return; // not there (yet)
    }
    const was = st.mode & 0o777;
    if ((was & ~mode) === 0) return;
    chmodSync(path, was & mode);
    repaired.push(`${path} ${was.toString(8)} → ${(was & mode).toString(8)}`);
  };
  restrict(dataDir, PRIVATE_DIR_MODE);
  for (const name of OWN_FILES) restrict(join(dataDir, name), PRIVATE_FILE_MODE);
  return repaired;
}

/**
 * Creates an empty file readable by the user only, unless it exists. An existing file is not
 * opened: closing any descriptor of a file drops every fcntl lock this process holds on it (a
 * database or the lock another engine in this process holds).
 */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', PRIVATE_FILE_MODE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Writes a file readable by the user only (also when it existed with another mode). */
export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: PRIVATE_FILE_MODE });
  chmodSync(path, PRIVATE_FILE_MODE);
}

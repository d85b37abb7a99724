// One engine per data folder: two engines tailing the same files into the same database would
// each store every line (their checkpoints race). The lock is one the kernel holds for us: an
// exclusive SQLite lock (fcntl byte-range locks) on an empty side database, kept for the engine's
// lifetime. It goes away with the process however that ends (kill -9, a crash, a reboot), so a
// stale pid can never keep Loupe out, and two starters racing for it can't both win.
// The owner's pid is written next to it, only to name the owner in the refusal.
import { readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { newDatabase, type Db } from './database.js';
import { createPrivateFile, writePrivateFile } from './data-dir.js';

export const LOCK_FILE = 'loupe.lock';
/** The pid of the engine holding the lock (informative: the lock itself is what counts). */
export const PID_FILE = 'loupe.pid';

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
  ) {
    super(
      `Another Loupe${pid !== null ? ` (process ${pid})` : ''} is using ${dataDir}. Stop it first, or give this one another --data-dir.`,
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const pidPath = join(dataDir, PID_FILE);
  createPrivateFile(path);
  let db: Db | null = null;
  for (let attempt = 0; db === null; attempt++) {
    // No busy timeout: a held lock is an answer, not something to wait for.
    const candidate = newDatabase(path, { timeout: 0 });
    try {
      // Held until the connection closes, not just for a transaction; the transaction stays open
      // and writes nothing, so the file stays empty and no journal is made.
      candidate.pragma('locking_mode = EXCLUSIVE');
      candidate.exec('BEGIN EXCLUSIVE');
      db = candidate;
    } catch (err) {
      candidate.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir, awaitOwnerPid(pidPath));
      // A pid file from an older Loupe (its lock was the pid): not a database, and nobody can be
      // holding an SQLite lock on it. Emptying it is harmless even if a racing starter has just
      // locked it: the lock is on the file, not in its bytes.
      if (code !== 'SQLITE_NOTADB' || attempt > 0) throw err;
      truncateSync(path, 0);
    }
  }
  writePrivateFile(pidPath, `${process.pid}\n`);
  const held = db;
  return {
    release: () => {
      if (!held.open) return;
      // The pid file goes first: once the lock is free, a new owner writes its own.
      rmSync(pidPath, { force: true });
      // The lock file itself stays: removing it would let a starter that opened it just before
      // lock an orphaned file while a third one locks a new one.
      held.close();
    },
  };
}

/**
 * The owner writes its pid just after taking the lock: a starter refused in between (two started
 * at once) waits for it a little, so the refusal can name the process to stop.
 */
function awaitOwnerPid(pidPath: string): number | null {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 20) {
    const pid = ownerPid(pidPath);
    if (pid !== null || waited >= 1000) return pid;
    Atomics.wait(pause, 0, 0, 20);
  }
}

function ownerPid(pidPath: string): number | null {
  try {
    const pid = Number(readFileSync(pidPath, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

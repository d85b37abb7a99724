// Copies the write-ahead log back into the database file on a worker thread with its own
// connection, so the engine's commits only append to the log. SQLite's automatic checkpoint runs
// inside whichever commit crosses its threshold, and its two fsyncs stalled the loop that decodes
// and writes: on a loaded machine about half of the wall time of storing OTLP spans was spent
// waiting in them. The connection's own automatic checkpoint stays, at a higher threshold, as the
// backstop should the worker fall behind or fail.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './database.js';
import { SQLITE_BINDING_ENV } from './database.js';

/** How many times the connection's checkpoint threshold the WAL may reach before the writer checkpoints itself. */
const BACKSTOP_FACTOR = 4;

// Plain CommonJS run by `eval`: the engine's sources are TypeScript under the tests, and a script
// needs no build step. A passive checkpoint never blocks the writer; one with nothing left to copy
// costs a look at the WAL index, so every nudge is answered by one (the engine's loop may not yield
// between two commits: it cannot wait for the worker's answer before nudging again).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqliteModule);
const db = new Database(workerData.path, workerData.binding ? { nativeBinding: workerData.binding } : {});
db.pragma('busy_timeout = 5000');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage(err instanceof Error ? err.message : String(err));
  }
});
`;

export class WalCheckpointer {
  /** The last checkpoint's or the worker's error (a failed worker leaves checkpoints to the writer). */
  lastError: string | null = null;
  private readonly worker: Worker;
  private readonly ownThreshold: number;
  private failed = false;
  private readonly exited: Promise<void>;

  /** `path`: the database file `db` is connected to. */
  constructor(
    private readonly db: Db,
    path: string,
  ) {
    this.ownThreshold = db.pragma('wal_autocheckpoint', { simple: true }) as number;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        sqliteModule: createRequire(import.meta.url).resolve('better-sqlite3'),
        binding: process.env[SQLITE_BINDING_ENV],
      },
    });
    // Idle, the worker must not keep `loupe serve` or a test process alive.
    this.worker.unref();
    this.worker.on('message', (error: string) => (this.lastError = error));
    this.worker.on('error', (err) => this.fail(err.message));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    db.pragma(`wal_autocheckpoint = ${this.ownThreshold * BACKSTOP_FACTOR}`);
  }

  /** After a commit: the worker copies what the log holds. */
  written(): void {
    if (!this.failed) this.worker.postMessage('checkpoint');
  }

  /** Stop the worker (before the engine's last checkpoint and close). */
  async close(): Promise<void> {
    if (!this.failed) {
      this.failed = true;
      // Referenced again: an unreferenced worker's exit would not keep the process waiting for it.
      this.worker.ref();
      this.worker.postMessage('close');
    }
    await this.exited;
  }

  /** The worker is gone: the writer checkpoints itself again, at its usual threshold. */
  private fail(message: string): void {
    this.failed = true;
    this.lastError = message;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${this.ownThreshold}`);
  }
}

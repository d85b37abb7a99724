// Keeps the full-text index catching up with the records in the background: on its own thread
// (fts-worker.ts, its own SQLite connection) when the engine runs from the built JavaScript, else
// (the TypeScript sources under the test runner, or the thread failed) as a scheduler job on the
// engine's loop, indexing for a few milliseconds a turn.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Scheduler, ScheduledJob } from '../../core/scheduler.js';
import type { FtsIndexer } from './fts-index.js';

/** How often an idle indexer looks at the queue again. */
export const FTS_IDLE_POLL_MS = 25;
/** The in-loop job: its name, and how long a turn may index (the loop has other work). */
export const FTS_JOB = 'logs.fts.index';
const FTS_TURN_MS = 20;

export interface FtsWorkerData {
  dbPath: string;
  /**
   * Past this many bytes of the database's WAL the thread waits before its next transaction: its
   * reads of the records keep the WAL from being restarted (retention counts the WAL in the size).
   */
  walPauseBytes: number;
}

/** What the worker tells the engine: an error (null when it went away), or that it stopped. */
export type FtsWorkerReport = { error: string | null } | { stopped: true };

export class FtsBackground {
  private worker: Worker | null = null;
  /** Settles when the worker's thread has ended (stopped, or failed). */
  private workerExited: Promise<void> = Promise.resolve();
  private job: ScheduledJob | null = null;
  private stopped = false;
  /** The last indexing error (a full disk, a lock held too long), null when indexing goes well. */
  lastError: string | null = null;

  constructor(
    private readonly dbPath: string,
    /** The engine connection's indexer, for the in-loop fallback. */
    private readonly indexer: FtsIndexer,
    private readonly scheduler: Scheduler,
    /** See FtsWorkerData.walPauseBytes. */
    private readonly walPauseBytes = Number.MAX_SAFE_INTEGER,
  ) {}

  start(): void {
    const script = fileURLToPath(new URL('./fts-worker.js', import.meta.url));
    if (this.dbPath !== ':memory:' && existsSync(script)) {
      const worker = new Worker(script, {
        workerData: { dbPath: this.dbPath, walPauseBytes: this.walPauseBytes } satisfies FtsWorkerData,
      });
      worker.on('message', (r: FtsWorkerReport) => {
        if ('error' in r) this.lastError = r.error;
      });
      // A failed thread leaves the queue to the engine's loop (searches scan what is not indexed meanwhile).
      worker.on('error', (err) => {
        this.lastError = err.message;
        this.indexInLoop();
      });
      this.workerExited = new Promise((resolve) => worker.once('exit', () => resolve()));
      this.worker = worker;
      return;
    }
    this.indexInLoop();
  }

  private indexInLoop(): void {
    if (this.stopped || this.job) return;
    this.job = this.scheduler.add({
      name: FTS_JOB,
      everyMs: FTS_IDLE_POLL_MS,
      run: () => {
        const until = performance.now() + FTS_TURN_MS;
        try {
          while ((this.indexer.indexSome() || this.indexer.mergeSome()) > 0 && performance.now() < until);
          this.lastError = null;
        } catch (err) {
          this.lastError = err instanceof Error ? err.message : String(err);
        }
      },
    });
    this.job.start();
  }

  /** Stop indexing (what is left stays queued, for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.job) this.scheduler.remove(FTS_JOB);
    this.job = null;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    worker.postMessage('stop');
    await this.workerExited;
  }
}

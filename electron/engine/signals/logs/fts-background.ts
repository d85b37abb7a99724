// Keeps the full-text index catching up with the records in the background: on its own thread
// (fts-worker.ts, its own SQLite connection) when the engine runs from the built JavaScript, else
// (the TypeScript sources under the test runner, or the thread failed) as a scheduler job on the
// engine's loop, indexing for a few milliseconds a turn. It starts a little after the engine (or
// with the first records stored, if sooner): see FTS_START_DELAY_MS.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Scheduler, ScheduledJob, Task } from '../../core/scheduler.js';
import type { FtsIndexer } from './fts-index.js';

/** How often an idle indexer looks at the queue again. */
export const FTS_IDLE_POLL_MS = 25;
/** The in-loop job: its name, and how long a turn may index (the loop has other work). */
export const FTS_JOB = 'logs.fts.index';
const FTS_TURN_MS = 20;
/**
 * How long after the engine's start the indexer starts when no record is stored meanwhile. A
 * restart usually has nothing to index, only segments to merge (for seconds after a big backlog),
 * and the thread's start is ~0.3 s of CPU: on two cores both took time from the first page's
 * answers and from the browser drawing it. Nothing waits for the index: searches scan what it has
 * not covered (the records' exactly-once is the writer's, not the index's).
 */
export const FTS_START_DELAY_MS = 2000;

export interface FtsWorkerData {
  dbPath: string;
  /**
   * Past this many bytes of the database's WAL the thread waits before its next transaction: its
   * reads of the records keep the WAL from being restarted (retention counts the WAL in the size).
   */
  walPauseBytes: number;
  /** Records a part of the index holds (FtsIndexer's partRecords). */
  partRecords: number;
}

/**
 * What the worker tells the engine: an error (null when it went away), a step written (records
 * indexed or segments merged: the FTS file grew), or that it stopped.
 */
export type FtsWorkerReport = { error: string | null } | { indexed: number } | { stopped: true };

export interface FtsBackgroundOptions {
  /** See FtsWorkerData.walPauseBytes. */
  walPauseBytes?: number;
  /**
   * A step of indexing was committed (`done`: records indexed or merge work). The FTS file grows
   * on its own thread, after the records' batches: the size bound has to look after its steps too.
   */
  onIndexed?: (done: number) => void;
}

declare module '../../core/events.js' {
  interface EngineEvents {
    /** The full-text index committed a step (records indexed, or segments merged): its file may have grown. */
    'logs.indexed': { done: number };
  }
}

export class FtsBackground {
  private worker: Worker | null = null;
  /** Settles when the worker's thread has ended (stopped, or failed). */
  private workerExited: Promise<void> = Promise.resolve();
  private job: ScheduledJob | null = null;
  /** Until the indexer starts (see start). */
  private startTimer: Task | null = null;
  private stopped = false;
  /** The last indexing error (a full disk, a lock held too long), null when indexing goes well. */
  lastError: string | null = null;

  constructor(
    private readonly dbPath: string,
    /** The engine connection's indexer, for the in-loop fallback. */
    private readonly indexer: FtsIndexer,
    private readonly scheduler: Scheduler,
    private readonly options: FtsBackgroundOptions = {},
  ) {}

  /** Starts indexing after `delayMs` (FTS_START_DELAY_MS), or at the first `wake`. */
  start(delayMs = FTS_START_DELAY_MS): void {
    if (delayMs <= 0) return this.startNow();
    this.startTimer = this.scheduler.after(delayMs, () => this.startNow());
  }

  /** Records were stored: index them now rather than at the start's delay. */
  wake(): void {
    if (this.startTimer) this.startNow();
  }

  private startNow(): void {
    this.startTimer?.cancel();
    this.startTimer = null;
    if (this.stopped || this.worker || this.job) return;
    const script = fileURLToPath(new URL('./fts-worker.js', import.meta.url));
    if (this.dbPath !== ':memory:' && existsSync(script)) {
      const worker = new Worker(script, {
        workerData: {
          dbPath: this.dbPath,
          walPauseBytes: this.options.walPauseBytes ?? Number.MAX_SAFE_INTEGER,
          partRecords: this.indexer.partRecords,
        } satisfies FtsWorkerData,
      });
      worker.on('message', (r: FtsWorkerReport) => {
        if ('error' in r) this.lastError = r.error;
        else if ('indexed' in r) this.options.onIndexed?.(r.indexed);
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
        let done = 0;
        try {
          for (;;) {
            const n = this.indexer.indexSome() || this.indexer.mergeSome();
            done += n;
            if (n === 0 || performance.now() >= until) break;
          }
          this.lastError = null;
        } catch (err) {
          this.lastError = err instanceof Error ? err.message : String(err);
        }
        if (done > 0) this.options.onIndexed?.(done);
      },
    });
    this.job.start();
  }

  /** Stop indexing (what is left stays queued, for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.startTimer?.cancel();
    this.startTimer = null;
    if (this.job) this.scheduler.remove(FTS_JOB);
    this.job = null;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    worker.postMessage('stop');
    await this.workerExited;
  }
}

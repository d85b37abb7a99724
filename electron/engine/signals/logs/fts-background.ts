// Keeps the full-text index catching up with the records in the background: on its own thread
// (fts-worker.ts, its own SQLite connection) when the engine runs from the built JavaScript, else
// (the TypeScript sources under the test runner) on the engine's loop, a chunk per timer turn.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FtsIndexer } from './fts-index.js';

/** How often an idle indexer looks at the queue again. */
export const FTS_IDLE_POLL_MS = 25;

export interface FtsWorkerData {
  dbPath: string;
}

/** What the worker tells the engine: an error (null when it went away), or that it stopped. */
export type FtsWorkerReport = { error: string | null } | { stopped: true };

export class FtsBackground {
  private worker: Worker | null = null;
  /** Settles when the worker's thread has ended (stopped, or failed). */
  private workerExited: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The last indexing error (a full disk, a lock held too long), null when indexing goes well. */
  lastError: string | null = null;

  constructor(
    private readonly dbPath: string,
    /** The engine connection's indexer, for the in-loop fallback. */
    private readonly indexer: FtsIndexer,
  ) {}

  start(): void {
    const script = fileURLToPath(new URL('./fts-worker.js', import.meta.url));
    if (this.dbPath !== ':memory:' && existsSync(script)) {
      const worker = new Worker(script, { workerData: { dbPath: this.dbPath } satisfies FtsWorkerData });
      worker.on('message', (r: FtsWorkerReport) => {
        if ('error' in r) this.lastError = r.error;
      });
      // A failed thread leaves the queue to the searches, which index what they need first.
      worker.on('error', (err) => (this.lastError = err.message));
      this.workerExited = new Promise((resolve) => worker.once('exit', () => resolve()));
      this.worker = worker;
      return;
    }
    const turn = (): void => {
      if (this.stopped) return;
      let done = 0;
      try {
        done = this.indexer.indexSome();
        this.lastError = null;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
      }
      this.timer = setTimeout(turn, done > 0 ? 0 : FTS_IDLE_POLL_MS);
      this.timer.unref();
    };
    turn();
  }

  /** Stop indexing (what is left stays queued, for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    worker.postMessage('stop');
    await this.workerExited;
  }
}

// The module contract: what a feature (a signal, alerts, probes…) brings to the engine. Only the
// parts in use so far: a job for the scheduler and a pruner for retention.

/** Work a module wants done every `everyMs` (on the Scheduler: single-flight, caught up once after a sleep). */
export interface JobSpec {
  name: string;
  everyMs: number;
  run(): void | Promise<void>;
}

/**
 * How retention removes a module's old data. Each call deletes at most one small chunk (one short
 * transaction, so ingest is never held up) and returns how many rows went: retention calls again
 * until it gets 0.
 */
export interface Pruner {
  name: string;
  /** Delete a chunk of what is older than `cutoffUs` (µs since the epoch). */
  pruneOlderThan(cutoffUs: number): number;
  /**
   * Over the size limit: delete a chunk of the oldest data, sized to about `bytesToFree`. Retention
   * picks the pruner whose `oldestUs` is smallest, so the oldest data goes first across signals.
   */
  pruneOldest?(bytesToFree: number): number;
  /** The time of the oldest data held (µs), or null when there is none. */
  oldestUs?(): number | null;
}

// Log records that arrive over the network one by one (Python's logging handlers, syslog) →
// batched transactions of the LogWriter, each followed by `logs.stored` (live tail, analysis,
// retention), as the file pipeline and OTLP do. Memory is bounded: past `maxPending` records
// waiting (writes failing, a flood) new ones are dropped and counted; a failed write is tried again.
import type { EventBus } from '../core/events.js';
import type { Scheduler, Task } from '../core/scheduler.js';
import type { LogInsert, LogWriter } from '../signals/logs/log-writer.js';

export interface LogBatcherLimits {
  /** A batch is written when it holds this many records… */
  batchRecords: number;
  /** …or when its first record has waited this long. */
  delayMs: number;
  /** Records waiting at most; more are dropped (and counted). */
  maxPending: number;
  /** How soon a failed write is tried again. */
  retryMs: number;
}

export const LOG_BATCHER_LIMITS: LogBatcherLimits = { batchRecords: 4096, delayMs: 40, maxPending: 50_000, retryMs: 1000 };

export interface LogBatcherStats {
  written: number;
  dropped: number;
  writeErrors: number;
  lastWriteError: { message: string; atMs: number } | null;
}

export class LogBatcher {
  private pending: LogInsert[] = [];
  private timer: Task | null = null;
  private readonly limits: LogBatcherLimits;
  readonly stats: LogBatcherStats = { written: 0, dropped: 0, writeErrors: 0, lastWriteError: null };

  constructor(
    private readonly deps: { writer: LogWriter; scheduler: Scheduler; events: EventBus },
    limits: Partial<LogBatcherLimits> = {},
  ) {
    this.limits = { ...LOG_BATCHER_LIMITS, ...limits };
  }

  /** Queue a record; false when it was dropped (too many waiting). */
  add(record: LogInsert): boolean {
    if (this.pending.length >= this.limits.maxPending) {
      this.stats.dropped++;
      return false;
    }
    this.pending.push(record);
    if (this.pending.length >= this.limits.batchRecords) this.flush();
    else this.timer ??= this.deps.scheduler.after(this.limits.delayMs, () => this.flush());
    return true;
  }

  /** Write what waits now; on failure it stays and is tried again after `retryMs`. */
  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    try {
      const stored = this.deps.writer.write(batch);
      this.pending = [];
      this.stats.written += batch.length;
      if (stored.ids.length > 0) this.deps.events.emit('logs.stored', stored);
    } catch (err) {
      this.stats.writeErrors++;
      this.stats.lastWriteError = {
        message: `could not store the records: ${err instanceof Error ? err.message : String(err)}`,
        atMs: this.deps.scheduler.clock.nowMs(),
      };
      this.timer = this.deps.scheduler.after(this.limits.retryMs, () => this.flush());
    }
  }
}

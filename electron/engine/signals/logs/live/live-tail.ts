// Live tail: each subscriber gets the new records matching its query, coalesced so that a burst
// of thousands of lines a second never floods a view: at most one message per interval, holding
// at most `maxRecords` of the newest matches and the count of those it skipped.
import type { LogRecordView } from '../../../../../shared/model.js';
import type { LiveBatch } from '../../../../../shared/api.js';
import { compileToPredicate, parseQuery, type AnalysisLookup } from '../query/index.js';
import type { LogRow } from '../rows.js';
import { rowsOf, type StoredBatch } from '../log-writer.js';
import type { Scheduler, Task } from '../../../core/scheduler.js';

export const LIVE_INTERVAL_MS = 100;
export const LIVE_MAX_RECORDS = 500;

interface Subscriber {
  matches: (row: LogRow & { source_path?: string | null; file_path?: string | null }) => boolean;
  send: (batch: LiveBatch) => void;
  pending: LogRow[];
  skipped: number;
  timer: Task | null;
  lastSent: number;
}

export class LiveTail {
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    /** Its delivery timers (the engine's one clock: a test's TestClock drives them). */
    private readonly scheduler: Pick<Scheduler, 'after' | 'clock'>,
    private readonly toView: (row: LogRow) => LogRecordView,
    private readonly pathsOf: (row: LogRow) => { source_path: string | null; file_path: string | null },
    private readonly intervalMs = LIVE_INTERVAL_MS,
    private readonly maxRecords = LIVE_MAX_RECORDS,
    /** For `group:` and `pattern:` terms (the analysis must have seen a batch before it is published). */
    private readonly lookup?: AnalysisLookup,
  ) {}

  /** Throws QuerySyntaxError for a bad query. Returns the unsubscribe function. */
  subscribe(query: string, send: (batch: LiveBatch) => void): () => void {
    const sub: Subscriber = {
      matches: compileToPredicate(parseQuery(query), this.lookup),
      send,
      pending: [],
      skipped: 0,
      timer: null,
      lastSent: 0,
    };
    this.subscribers.add(sub);
    return () => {
      sub.timer?.cancel();
      this.subscribers.delete(sub);
    };
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** What the writer stored (time order within the batch). */
  publish(batch: StoredBatch): void {
    if (this.subscribers.size === 0) return;
    const withPaths = rowsOf(batch).map((r) => ({ ...r, ...this.pathsOf(r) }));
    for (const sub of this.subscribers) {
      for (const row of withPaths) {
        if (!sub.matches(row)) continue;
        sub.pending.push(row);
      }
      // Keep only what could be sent: older surplus is counted, not kept.
      if (sub.pending.length > this.maxRecords) {
        sub.skipped += sub.pending.length - this.maxRecords;
        sub.pending = sub.pending.slice(-this.maxRecords);
      }
      if (sub.pending.length > 0 && sub.timer === null) {
        // The first records after a quiet spell go out at once; then at most one message per interval.
        const wait = Math.max(0, sub.lastSent + this.intervalMs - this.scheduler.clock.nowMs());
        sub.timer = this.scheduler.after(wait, () => this.deliver(sub));
      }
    }
  }

  private deliver(sub: Subscriber): void {
    sub.timer = null;
    if (!this.subscribers.has(sub)) return;
    const batch: LiveBatch = { records: sub.pending.map((r) => this.toView(r)), skipped: sub.skipped };
    sub.pending = [];
    sub.skipped = 0;
    sub.lastSent = this.scheduler.clock.nowMs();
    sub.send(batch);
  }

  close(): void {
    for (const sub of this.subscribers) sub.timer?.cancel();
    this.subscribers.clear();
  }
}

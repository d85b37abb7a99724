// Where decoded OTLP requests go: a queue drained by one writer in batched transactions: spans,
// metric points and log records (through the LogWriter, a savepoint inside) commit together or
// not at all, so a 503 means nothing of the request was kept and the SDK's retry stores nothing
// twice. A request's promise settles once its items are committed, so a 200 means stored. Past OTLP_LIMITS.maxPendingItems
// queued items, new requests are refused (503 / UNAVAILABLE: the sender retries later). Metric
// points go to the unindexed point log, folded into metric_points by point-log.ts past FOLD_POINTS
// or FOLD_DELAY_MS later (and by any read before it reads).
import type { OtlpCountersView } from '../../../../shared/model.js';
import type { Db } from '../../core/database.js';
import type { LogWriter } from '../../signals/logs/log-writer.js';
import { systemClock } from '../../core/clock.js';
import { EventBus } from '../../core/events.js';
import { Scheduler, type Task } from '../../core/scheduler.js';
import { MetricWriter } from '../../signals/metrics/metric-writer.js';
import { FOLD_DELAY_MS, FOLD_POINTS, foldPointLog } from '../../signals/metrics/point-log.js';
import { ResourceStore } from '../../core/resource-store.js';
import { SpanWriter } from '../../signals/traces/span-writer.js';
import { OTLP_LIMITS } from './limits.js';
import { logInsertsOf } from './log-records.js';
import type { OtlpLogRecord, OtlpMetric, OtlpSpan, ScopeGroup } from '../../core/telemetry.js';
import type { Decoded, Signal } from './model.js';

/**
 * Items queued before the queue is written at once rather than after FLUSH_DELAY_MS. Decoded
 * requests wait in memory until their transaction: at 5,000 spans (~10 MB of objects) they outgrew
 * V8's young generation and were promoted before being dropped, and decode + store ran ~18% slower
 * (CPU time, 100-span requests) than at 1,000–2,000, which still share a commit among 10–20 requests.
 */
export const FLUSH_ITEMS = 2000;
/** How long a request's items may wait for others to share their transaction. */
export const FLUSH_DELAY_MS = 5;

export class BackpressureError extends Error {
  constructor() {
    super(`Loupe is behind on writing (more than ${OTLP_LIMITS.maxPendingItems} items queued); retry later`);
    this.name = 'BackpressureError';
  }
}

/** The receiver's counters, shown as they are by GET /api/status. */
export type IngestStats = OtlpCountersView;

type Job =
  | { signal: 'traces'; data: Decoded<OtlpSpan>; count: number; done: (err?: Error) => void }
  | { signal: 'metrics'; data: Decoded<OtlpMetric>; count: number; done: (err?: Error) => void }
  | { signal: 'logs'; data: Decoded<OtlpLogRecord>; count: number; done: (err?: Error) => void };

export interface IngestOptions {
  /** Told what every committed transaction stored: `logs.stored`, `spans.stored`, `points.stored`. */
  events?: EventBus;
  /** The flush delay's timer and the log records' received time (the real clock by default). */
  scheduler?: Scheduler;
  maxPendingItems?: number;
}

export class OtlpIngest {
  readonly stats: IngestStats = {
    requests: 0,
    spans: 0,
    duplicateSpans: 0,
    logRecords: 0,
    metricPoints: 0,
    rejectedItems: 0,
    refusedRequests: 0,
    writeErrors: 0,
    lastWriteError: null,
    invalidRequests: 0,
    lastInvalidRequest: null,
  };
  private queue: Job[] = [];
  private pending = 0;
  private timer: Task | null = null;
  /** Points logged since the last fold, and the fold's timer. */
  private logged = 0;
  private foldTimer: Task | null = null;
  private readonly resources: ResourceStore;
  private readonly spans: SpanWriter;
  private readonly metrics: MetricWriter;
  private readonly writeTx;
  private readonly maxPending: number;
  private readonly events: EventBus;
  private readonly scheduler: Scheduler;

  constructor(
    private readonly db: Db,
    private readonly logs: LogWriter,
    opts: IngestOptions = {},
  ) {
    this.events = opts.events ?? new EventBus();
    this.scheduler = opts.scheduler ?? new Scheduler(systemClock);
    this.resources = new ResourceStore(db);
    this.spans = new SpanWriter(db, this.resources);
    this.metrics = new MetricWriter(db, this.resources, { log: true });
    this.maxPending = opts.maxPendingItems ?? OTLP_LIMITS.maxPendingItems;
    this.writeTx = db.transaction((jobs: Job[], nowUs: number) => {
      let spans = 0;
      let offered = 0;
      let points = 0;
      const spanGroups: ScopeGroup<OtlpSpan>[] = [];
      const duplicates = new Set<OtlpSpan>();
      for (const j of jobs) {
        if (j.signal === 'traces') {
          offered += j.count;
          spanGroups.push(...j.data.groups);
        } else if (j.signal === 'metrics') points += this.metrics.write(j.data.groups);
      }
      // All the requests' spans in one call: most go in full multi-row inserts.
      if (spanGroups.length > 0) spans = this.spans.write(spanGroups, duplicates);
      const logRecords = jobs.flatMap((j) => (j.signal === 'logs' ? logInsertsOf(j.data.groups, nowUs) : []));
      // The LogWriter's own transaction becomes a savepoint of this one.
      const stored = logRecords.length > 0 ? this.logs.write(logRecords) : null;
      return { spans, duplicates: offered - spans, points, stored, spanGroups, duplicateSpans: duplicates };
    });
  }

  /** Items of a decoded request: what the backpressure limit counts. */
  static countOf(data: Decoded<unknown>, signal: Signal): number {
    let n = 0;
    for (const g of data.groups) {
      if (signal === 'metrics') for (const m of g.items as OtlpMetric[]) n += m.points.length;
      else n += g.items.length;
    }
    return n;
  }

  /** Queue a decoded request; resolves once it is committed. Throws BackpressureError when full. */
  /** A request refused before it reached the store: counted, and its reason kept. */
  noteInvalidRequest(reason: string): void {
    this.stats.invalidRequests++;
    this.stats.lastInvalidRequest = reason;
  }

  submit(signal: Signal, data: Decoded<OtlpSpan> | Decoded<OtlpMetric> | Decoded<OtlpLogRecord>): Promise<void> {
    this.stats.requests++;
    this.stats.rejectedItems += data.rejected;
    const count = OtlpIngest.countOf(data, signal);
    if (count === 0) return Promise.resolve();
    if (this.pending + count > this.maxPending) {
      this.stats.refusedRequests++;
      throw new BackpressureError();
    }
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => (err ? reject(err) : resolve());
      this.queue.push({ signal, data, count, done } as Job);
      this.pending += count;
      if (this.pending >= FLUSH_ITEMS) this.flush();
      else this.timer ??= this.scheduler.after(FLUSH_DELAY_MS, () => this.flush());
    });
  }

  /** Write everything queued now. */
  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    this.pending = 0;
    try {
      const r = this.writeTx(jobs, this.scheduler.clock.nowUs());
      this.stats.spans += r.spans;
      this.stats.duplicateSpans += r.duplicates;
      this.stats.metricPoints += r.points;
      if (r.stored) this.stats.logRecords += r.stored.records.length;
      for (const j of jobs) j.done();
      if (r.stored && r.stored.ids.length > 0) this.events.emit('logs.stored', r.stored);
      if (r.spans > 0) this.events.emit('spans.stored', { spans: r.spans, groups: r.spanGroups, duplicates: r.duplicateSpans });
      if (r.points > 0) {
        this.events.emit('points.stored', { points: r.points, written: this.metrics.takeWritten() });
        this.logged += r.points;
        if (this.logged >= FOLD_POINTS) this.fold();
        else this.foldTimer ??= this.scheduler.after(FOLD_DELAY_MS, () => this.fold());
      }
    } catch (err) {
      this.stats.writeErrors++;
      this.stats.lastWriteError = err instanceof Error ? err.message : String(err);
      // The rolled-back transaction may have made resources and series whose ids were cached.
      this.resources.clearCache();
      this.metrics.clearCache();
      const error = new BackpressureError();
      error.message = `Loupe could not store the data (${this.stats.lastWriteError}); retry later`;
      for (const j of jobs) j.done(error);
    }
  }

  /**
   * Moves the logged metric points into metric_points. A fold that fails (a full disk) leaves them
   * logged, readable and counted as a write error, and is tried again after the next write.
   */
  private fold(): void {
    this.foldTimer?.cancel();
    this.foldTimer = null;
    this.logged = 0;
    try {
      foldPointLog(this.db);
    } catch (err) {
      this.stats.writeErrors++;
      this.stats.lastWriteError = err instanceof Error ? err.message : String(err);
    }
  }

  /** Write what is queued, and fold the point log (engine shutdown). */
  close(): void {
    this.flush();
    this.fold();
  }
}

// The module that derives metrics at ingest: RED from every stored span (span-metrics.ts) and log
// volume from every stored log record (log-volume.ts), aggregated in memory as the `spans.stored`
// and `logs.stored` events arrive, and written as cumulative OTLP points every 15 s (the
// spanmetrics connector's default flush interval) by one scheduler job, in one transaction, then
// `points.stored`. Stopping writes a last flush: it must stop after the modules that store spans
// and logs (it comes first in the module list).
import type { DerivedMetricsView } from '../../../../../shared/model.js';
import { usToRfc3339 } from '../../../../../shared/time.js';
import type { EventBus } from '../../../core/events.js';
import type { EngineModule } from '../../../core/module.js';
import type { ScheduledJob, Scheduler } from '../../../core/scheduler.js';
import type { Db } from '../../../core/database.js';
import { MetricWriter } from '../metric-writer.js';
import { ResourceStore } from '../../../core/resource-store.js';
import type { OtlpMetric, ScopeGroup } from '../../../core/telemetry.js';
import { LogVolume } from './log-volume.js';
import { SpanMetrics } from './span-metrics.js';

/** The spanmetrics connector's default `metrics_flush_interval`. */
export const DERIVED_FLUSH_MS = 15_000;
export const DERIVED_FLUSH_JOB = 'metrics.derived.flush';

export interface DerivedMetricsDeps {
  db: Db;
  events: EventBus;
  scheduler: Scheduler;
  /** The label of a watched source (its path). */
  sourceName: (sourceId: number) => string | undefined;
  /** Series limits (tests lower them). */
  spanSeriesLimit?: number;
  logSeriesLimit?: number;
}

export class DerivedMetrics {
  readonly spans: SpanMetrics;
  readonly logs: LogVolume;
  private readonly writeTx;
  private readonly resources: ResourceStore;
  private readonly writer: MetricWriter;
  private readonly stats = { pointsWritten: 0, lastFlushUs: null as number | null, writeErrors: 0, lastWriteError: null as string | null };

  constructor(private readonly deps: DerivedMetricsDeps) {
    this.spans = new SpanMetrics(deps.spanSeriesLimit);
    this.logs = new LogVolume(deps.sourceName, deps.logSeriesLimit);
    this.resources = new ResourceStore(deps.db);
    const writer = (this.writer = new MetricWriter(deps.db, this.resources));
    this.writeTx = deps.db.transaction((groups: ScopeGroup<OtlpMetric>[]) => writer.write(groups));
  }

  /** Start counting what is stored; returns the function that stops it. */
  listen(): () => void {
    const clock = this.deps.scheduler.clock;
    const offSpans = this.deps.events.on('spans.stored', (e) => this.spans.observe(e.groups, e.duplicates, clock.nowUs()));
    const offLogs = this.deps.events.on('logs.stored', (b) => this.logs.observe(b.records, clock.nowUs()));
    return () => {
      offSpans();
      offLogs();
    };
  }

  /** Write the cumulative points due now (one transaction); a failed write is counted, retried by the next flush, and answers false. */
  flush(): boolean {
    const nowUs = this.deps.scheduler.clock.nowUs();
    const spans = this.spans.collect(nowUs);
    const logs = this.logs.collect(nowUs);
    const groups = [...spans.groups, ...logs.groups];
    try {
      const points = groups.length > 0 ? this.writeTx(groups) : 0;
      spans.commit();
      logs.commit();
      this.stats.pointsWritten += points;
      this.stats.lastFlushUs = nowUs;
      if (points > 0) this.deps.events.emit('points.stored', { points, written: this.writer.takeWritten() });
      return true;
    } catch (err) {
      this.stats.writeErrors++;
      this.stats.lastWriteError = err instanceof Error ? err.message : String(err);
      // The rolled-back transaction may have made resources and series whose ids were cached.
      this.resources.clearCache();
      this.writer.clearCache();
      return false;
    }
  }

  view(): DerivedMetricsView {
    return {
      spans: this.spans.spans,
      spanSeries: this.spans.seriesCount,
      overflowSpans: this.spans.overflowedSpans,
      logSeries: this.logs.seriesCount,
      overflowLogRecords: this.logs.overflowedRecords,
      pointsWritten: this.stats.pointsWritten,
      lastFlush: this.stats.lastFlushUs === null ? null : usToRfc3339(this.stats.lastFlushUs),
      writeErrors: this.stats.writeErrors,
      lastWriteError: this.stats.lastWriteError,
    };
  }
}

export function derivedMetricsModule(deps: DerivedMetricsDeps): EngineModule {
  const derived = new DerivedMetrics(deps);
  let stopListening: (() => void) | null = null;
  let job: ScheduledJob | null = null;
  return {
    name: 'derived-metrics',
    start() {
      stopListening = derived.listen();
      job = deps.scheduler.add({ name: DERIVED_FLUSH_JOB, everyMs: DERIVED_FLUSH_MS, run: () => flushOrThrow(derived) });
      job.start();
    },
    async stop() {
      job?.stop();
      await job?.settled();
      stopListening?.();
      // What was counted since the last run.
      flushOrThrow(derived);
    },
    status: () => ({ derivedMetrics: derived.view() }),
  };
}

/** A flush whose failure is an error (the job's `lastError`, the close report). */
function flushOrThrow(derived: DerivedMetrics): void {
  if (!derived.flush()) throw new Error(`writing the derived metrics (RED, log volume): ${derived.view().lastWriteError ?? 'failed'}`);
}

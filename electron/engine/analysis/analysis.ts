// The analysis layer's ingest side: error groups and log patterns fed by the event bus as batches
// are stored (`logs.stored`, `spans.stored`), never by scanning the tables. The engine subscribes
// it before the live tail, so a live `group:`/`pattern:` search sees a batch's groups and templates.
import type { Clock } from '../core/clock.js';
import type { Db } from '../core/database.js';
import type { EventBus } from '../core/events.js';
import type { JobSpec, Pruner } from '../core/module.js';
import type { LogReader } from '../signals/logs/log-reader.js';
import { ErrorGroups } from './error-groups/error-groups.js';
import { errorOfLog, errorsOfSpans, type ErrorOccurrence } from './error-groups/occurrences.js';
import { DEFAULT_MAX_TEMPLATES, FLUSH_EVERY_MS, LogPatterns } from './patterns/log-patterns.js';

export interface AnalysisDeps {
  db: Db;
  events: EventBus;
  clock: Clock;
  reader: LogReader;
  /** A source's path by id, for the views. */
  sourcePath: (id: number) => string | undefined;
  /** The cap on the templates the miner holds. */
  maxTemplates?: number | undefined;
}

export class Analysis {
  readonly errors: ErrorGroups;
  readonly patterns: LogPatterns;
  /** Batches whose analysis failed (the records are stored all the same), and the last reason. */
  failures = 0;
  lastFailure: string | null = null;

  constructor(private readonly deps: AnalysisDeps) {
    this.errors = new ErrorGroups(deps.db, deps.events, deps.clock, deps.sourcePath);
    this.patterns = new LogPatterns(
      deps.db,
      deps.events,
      deps.clock,
      deps.reader,
      deps.sourcePath,
      deps.maxTemplates ?? DEFAULT_MAX_TEMPLATES,
    );
  }

  /** Start following the stored batches; returns the function that stops. */
  listen(): () => void {
    const offLogs = this.deps.events.on('logs.stored', (batch) =>
      this.guard(() => {
        this.patterns.observe(batch);
        const found: ErrorOccurrence[] = [];
        for (let i = 0; i < batch.records.length; i++) {
          const o = errorOfLog(batch.records[i]!, batch.ids[i]!);
          if (o) found.push(o);
        }
        this.errors.record(found);
      }),
    );
    const offSpans = this.deps.events.on('spans.stored', (e) =>
      this.guard(() => this.errors.record(errorsOfSpans(e.groups, e.duplicates))),
    );
    return () => {
      offLogs();
      offSpans();
    };
  }

  /** Writes the templates' changes left by the last batches (the miner writes at most once a second). */
  get flushJob(): JobSpec {
    return { name: 'analysis.flush', everyMs: FLUSH_EVERY_MS, run: () => this.guard(() => this.patterns.flush()) };
  }

  /** Retention's part: occurrences and per-minute pattern counts older than the cutoff. */
  get pruner(): Pruner {
    return {
      name: 'analysis',
      pruneOlderThan: (cutoffUs) => this.errors.pruneOlderThan(cutoffUs) + this.patterns.pruneOlderThan(cutoffUs),
    };
  }

  /** A failure here must not fail ingest (the bus would count it too): counted and said in the status. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.failures++;
      this.lastFailure = err instanceof Error ? err.message : String(err);
    }
  }
}

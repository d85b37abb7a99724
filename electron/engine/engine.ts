// The composition root of the engine: used by `loupe serve`, the desktop app's utility process,
// the CLI and the tests. Plain Node; never imports electron.
import { join } from 'node:path';
import { lockDataDir } from './store/data-dir-lock.js';
import { preparePrivateDir } from './store/data-dir.js';
import { openDatabase, type Db } from './store/database.js';
import { LogWriter } from './store/log-writer.js';
import { LogReader } from './store/log-reader.js';
import { SourceStore } from './store/source-store.js';
import { LogPipeline } from './pipeline/log-pipeline.js';
import { SourceManager } from './sources/source-manager.js';
import { FileRecordEraser } from './store/file-record-eraser.js';
import { LiveTail } from './live/live-tail.js';
import { Retention, DEFAULT_MAX_DB_BYTES, DEFAULT_RETENTION_US } from './store/retention.js';
import { LogPruner } from './store/log-pruner.js';
import { SpanPruner } from './store/span-pruner.js';
import { MetricPruner } from './store/metric-pruner.js';
import { systemClock, type Clock } from './core/clock.js';
import { Scheduler } from './core/scheduler.js';
import { EventBus } from './core/events.js';
import { registerQueryFunctions } from './query/index.js';
import { SpanReader } from './store/span-reader.js';
import { MetricReader } from './store/metric-reader.js';
import { startOtlpReceiver, type OtlpConfig, type OtlpReceiver } from './sources/otlp/receiver.js';

export interface EngineConfig {
  dataDir: string;
  /** Files and folders to watch in addition to the persisted sources. */
  paths?: string[];
  /** Read the links in those folders to files outside them (`loupe serve --follow-symlinks`). */
  followSymlinks?: boolean;
  maxDbBytes?: number;
  retentionUs?: number;
  /** Tailer timings (tests shorten them). */
  pollMs?: number;
  idleMs?: number;
  /**
   * The OTLP receiver (ports default to 4318 HTTP and 4317 gRPC, loopback). Started only when
   * given: `loupe serve` passes it; tests and other embedders opt in (with ports 0).
   */
  otlp?: OtlpConfig | false;
  /**
   * When the OTLP ports are taken (a Collector, Jaeger), run without the receiver and say why on
   * the status instead of refusing to start: for the standard ports nobody chose explicitly.
   */
  otlpOptional?: boolean;
  /** The engine's time (tests pass a TestClock); the real clock by default. */
  clock?: Clock;
}

export interface Engine {
  readonly db: Db;
  readonly dbPath: string;
  readonly reader: LogReader;
  readonly sources: SourceManager;
  readonly live: LiveTail;
  readonly pipeline: LogPipeline;
  readonly retention: Retention;
  readonly traces: SpanReader;
  readonly metrics: MetricReader;
  readonly scheduler: Scheduler;
  readonly events: EventBus;
  /** The running OTLP receiver (its bound ports), or null when disabled. */
  readonly otlp: OtlpReceiver | null;
  /** Why the receiver is not running although it was asked for (its ports were taken), else null. */
  readonly otlpProblem: string | null;
  /** Data folder files that were readable by others and were made private at start (`path old → new mode`). */
  readonly repairedModes: string[];
  /**
   * Write what is pending, stop the tailers, checkpoint the WAL and close the database. Never
   * throws (a full disk must not turn a stop into a crash that leaves the lock behind): what could
   * not be done is in the report.
   */
  close(): Promise<CloseReport>;
}

export interface CloseReport {
  /** What went wrong while stopping, as sentences; empty when all went well. */
  problems: string[];
}

export const DB_FILE = 'loupe.db';

export async function createEngine(config: EngineConfig): Promise<Engine> {
  const dbPath = join(config.dataDir, DB_FILE);
  const repairedModes = preparePrivateDir(config.dataDir);
  const lock = lockDataDir(config.dataDir);
  let db: Db;
  try {
    db = openDatabase(dbPath);
  } catch (err) {
    lock.release();
    throw err;
  }
  registerQueryFunctions(db);
  const scheduler = new Scheduler(config.clock ?? systemClock);
  const events = new EventBus();
  const writer = new LogWriter(db, scheduler.clock);
  const reader = new LogReader(db, writer, scheduler.clock);
  const sourceStore = new SourceStore(db, scheduler.clock);
  const pipeline = new LogPipeline(writer, sourceStore, scheduler, events);
  const sources = new SourceManager(sourceStore, pipeline, new FileRecordEraser(db), scheduler, {
    ...(config.pollMs !== undefined ? { pollMs: config.pollMs } : {}),
    ...(config.idleMs !== undefined ? { idleMs: config.idleMs } : {}),
  });
  const live = new LiveTail(
    (row) => reader.toView(row),
    (row) => reader.pathsOf(row),
  );
  events.on('logs.stored', (batch) => live.publish(batch));
  const retention = new Retention(
    db,
    [new LogPruner(db), new SpanPruner(db), new MetricPruner(db)],
    { maxDbBytes: config.maxDbBytes ?? DEFAULT_MAX_DB_BYTES, retentionUs: config.retentionUs ?? DEFAULT_RETENTION_US },
    { clock: scheduler.clock, dbPath },
  );
  scheduler.add(retention.job).start();
  // Every batch written, whatever the signal, is followed by a look at the size bound.
  for (const stored of ['logs.stored', 'spans.stored', 'points.stored'] as const) events.on(stored, () => retention.afterWrite());
  const traces = new SpanReader(db, scheduler.clock);
  const metrics = new MetricReader(db);
  let otlp: OtlpReceiver | null = null;
  let otlpProblem: string | null = null;
  if (config.otlp) {
    try {
      otlp = await startOtlpReceiver(db, writer, config.otlp, { events, scheduler });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && config.otlpOptional) {
        otlpProblem = `${(err as Error).message}: another program (a Collector? Jaeger?) uses the OTLP ports`;
      } else {
        await scheduler.stopAll();
        db.close();
        lock.release();
        throw err;
      }
    }
  }

  let closing: Promise<CloseReport> | null = null;
  const close = async (): Promise<CloseReport> => {
    const problems: string[] = [];
    const attempt = async (what: string, step: () => unknown): Promise<void> => {
      try {
        await step();
      } catch (err) {
        problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    try {
      await attempt('stopping the scheduled jobs', () => scheduler.stopAll());
      await attempt('stopping the OTLP receiver', () => otlp?.close());
      await attempt('stopping the tailers', () => sources.stopAll());
      await attempt('writing what is pending', () => {
        const pending = pipeline.pendingRecords;
        if (!pipeline.close()) {
          throw new Error(`${pending} records could not be written (${pipeline.stats.lastWriteError ?? 'unknown error'}); their lines are read again at the next start`);
        }
      });
      live.close();
      await attempt('checkpointing the database', () => db.pragma('wal_checkpoint(TRUNCATE)'));
      await attempt('closing the database', () => db.close());
    } finally {
      lock.release();
    }
    return { problems };
  };
  const engine: Engine = {
    db,
    dbPath,
    reader,
    sources,
    live,
    pipeline,
    retention,
    traces,
    metrics,
    scheduler,
    events,
    otlp,
    otlpProblem,
    repairedModes,
    close: () => (closing ??= close()),
  };
  try {
    await sources.startAll();
    for (const p of config.paths ?? []) await sources.add(p, { followSymlinks: config.followSymlinks === true });
  } catch (err) {
    // A path the user gave that can't be watched: nothing stays open behind the error.
    await engine.close();
    throw err;
  }
  return engine;
}

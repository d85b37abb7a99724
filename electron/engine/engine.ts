// The composition root of the engine: used by `loupe serve`, the desktop app's utility process,
// the CLI and the tests. Plain Node; never imports electron. It builds the parts, hands them to
// the modules (modules/*), and merges the modules' handlers, routes and status: adding a module
// is one line in MODULES below.
import { join } from 'node:path';
import type { EngineStatusView, PromQueryData } from '../../shared/model.js';
import { HandlerTable, type EngineApi } from './api/handlers.js';
import { RestRouter } from './api/rest-router.js';
import type { EngineModule } from './core/module.js';
import { engineModule } from './modules/engine/module.js';
import { logsModule } from './modules/logs/module.js';
import { metricsModule } from './modules/metrics/module.js';
import { otlpModule } from './modules/otlp/module.js';
import { sourcesModule } from './modules/sources/module.js';
import { tracesModule } from './modules/traces/module.js';
import { analysisModule } from './modules/analysis/module.js';
import { alertOnAnalysis } from './modules/alerts/analysis-alerts.js';
import { EventAlerts } from './alerting/event-alerts.js';
import { StateAlerts } from './alerting/state-alerts.js';
import { alertOnHealth } from './modules/alerts/health-alerts.js';
import { Analysis } from './analysis/analysis.js';
import { Performance } from './analysis/bottlenecks/performance.js';
import { WhatChanged } from './analysis/changes/what-changed.js';
import { lockDataDir } from './core/data-dir-lock.js';
import { preparePrivateDir } from './core/data-dir.js';
import { openDatabase, ftsJournalMode, type Db } from './core/database.js';
import { FtsBackground } from './signals/logs/fts-background.js';
import { LogWriter } from './signals/logs/log-writer.js';
import { LogReader } from './signals/logs/log-reader.js';
import { UnreadFileScan } from './ingest/files/unread-scan.js';
import { SourceStore } from './ingest/source-store.js';
import { LogPipeline } from './ingest/files/pipeline/log-pipeline.js';
import { SourceManager } from './ingest/source-manager.js';
import { FileRecordEraser } from './signals/logs/file-record-eraser.js';
import { LiveTail } from './signals/logs/live/live-tail.js';
import { LogWindowCounts } from './signals/logs/live/window-counts.js';
import { Retention, DEFAULT_MAX_DB_BYTES, DEFAULT_RETENTION_US, walLimitBytes } from './core/retention.js';
import { LogPruner } from './signals/logs/log-pruner.js';
import { SpanPruner } from './signals/traces/span-pruner.js';
import { MetricPruner } from './signals/metrics/metric-pruner.js';
import { systemClock, type Clock } from './core/clock.js';
import { Scheduler } from './core/scheduler.js';
import { EventBus } from './core/events.js';
import { registerQueryFunctions, sqlAnalysisLookup } from './signals/logs/query/index.js';
import { SpanReader } from './signals/traces/span-reader.js';
import { MetricReader } from './signals/metrics/metric-reader.js';
import { ExemplarReader } from './signals/metrics/exemplar-reader.js';
import { PrometheusApi } from './signals/metrics/prometheus-api.js';
import { SqliteSeriesStore } from './signals/metrics/sqlite-series-store.js';
import { startOtlpReceiver, type OtlpConfig, type OtlpReceiver } from './ingest/otlp/receiver.js';
import { gaugeMetrics, PointsSink } from './signals/metrics/points-sink.js';
import { scrapeKind } from './ingest/metrics-in/scrape-source.js';
import { StatsdSource, type StatsdConfig } from './ingest/metrics-in/statsd-source.js';
import { derivedMetricsModule } from './signals/metrics/red/derived-metrics.js';
import { hostMetricsModule } from './signals/metrics/host/module.js';
import { resourcesNamingProcess } from './core/resource-store.js';
import { remoteWriteModule } from './signals/metrics/remote-write/module.js';
import { AlertManager } from './alerting/manager/alert-manager.js';
import { alertsModule } from './modules/alerts/module.js';
import { AlertHistory } from './alerting/rules/alert-history.js';
import type { AlertSink } from './alerting/alert.js';
import { SentAlerts } from './alerting/sent-alerts.js';
import { healthModule } from './modules/health/module.js';
import { SecretStore } from './core/secrets.js';
import { sloModule } from './modules/slo/module.js';
import { startTraceSources, type TraceSources } from './ingest/traces-in/trace-sources.js';
import type { ZipkinConfig, ZipkinSource } from './ingest/traces-in/zipkin-source.js';
import type { JaegerAgentConfig, JaegerAgentSource } from './ingest/traces-in/jaeger-agent-source.js';
import { SentrySource, type SentryConfig } from './ingest/sentry/sentry-source.js';
import { sentryModule } from './modules/sentry/module.js';
import { LogBatcher } from './ingest/log-batcher.js';
import { PythonLogIntake, PythonLoggingSource, type PythonLoggingConfig } from './ingest/python/python-logging-source.js';
import { SyslogSource, type SyslogConfig } from './ingest/syslog/syslog-source.js';
import { pythonLoggingModule } from './modules/python-logging/module.js';
import { ListenerPortInUseError } from './ingest/source.js';
import { anomaliesModule } from './modules/anomalies/module.js';
import { Anomalies } from './analysis/anomalies/anomalies.js';

export interface EngineConfig {
  dataDir: string;
  /** Files and folders to watch in addition to the persisted sources. */
  paths?: string[];
  /** Read the links in those folders to files outside them (`loupe serve --follow-symlinks`). */
  followSymlinks?: boolean;
  /** Python logging configs whose handlers' files to add at start (`--logging-config`, `--logging-cwd`). */
  loggingConfigs?: { path: string; cwd?: string }[];
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
  /** Prometheus endpoints to scrape in addition to the persisted ones (`loupe serve --scrape URL[@interval]`). */
  scrape?: { url: string; interval?: string }[];
  /**
   * The StatsD listener (UDP, loopback, port 8125 by default). Started only when given, as OTLP;
   * `statsdOptional`: a taken port leaves it off, said on its source, instead of refusing to start.
   */
  statsd?: StatsdConfig | false;
  statsdOptional?: boolean;
  /** The Zipkin listener (HTTP, loopback; also Jaeger's collector POST /api/traces), started only when given (`--zipkin-port`). */
  zipkin?: ZipkinConfig | false;
  /** The Jaeger agent's UDP ports (compact on N, binary on N+1), started only when given (`--jaeger-agent-port`). */
  jaegerAgent?: JaegerAgentConfig | false;
  /**
   * The Sentry SDKs' endpoints on the API port (`/api/{project}/envelope/`) and, with a
   * `spotlightPort`, Spotlight's listener. Present only when given, as StatsD.
   */
  sentry?: SentryConfig | false;
  /**
   * The key (hex) that seals the secrets, kept by the OS keychain (the desktop's safeStorage); without
   * it, a key file in the data dir.
   */
  secretsKey?: string;
  /** Python's SocketHandler (TCP) and DatagramHandler (UDP) on one port (`loupe serve --python-logging-port`); off unless given. */
  pythonLogging?: PythonLoggingConfig | false;
  /** Syslog on UDP and TCP (`loupe serve --syslog-port`); off unless given. */
  syslog?: SyslogConfig | false;
  /** Send every stored metric point to a Prometheus remote_write receiver (`loupe serve --remote-write URL`). */
  remoteWrite?: string;
  /** Rule files to load besides the data dir's `rules/` folder (`loupe serve --rules FILE`); read only from the UI. */
  rules?: string[];
  /** How long a history search may run before it is stopped (default SEARCH_DEADLINE_MS; tests shorten it). */
  searchDeadlineMs?: number;
  /** Records a part of the full-text index holds (FTS_PART_RECORDS; tests make tiny parts). */
  ftsPartRecords?: number;
  /** The engine's time (tests pass a TestClock); the real clock by default. */
  clock?: Clock;
  /** Probes files read beside the data dir's probes.yml (`loupe serve --probes FILE`); read only. */
  probesFiles?: string[];
  /** SLO files read beside the data dir's slos.yml (`loupe serve --slos FILE`); read only. */
  sloFiles?: string[];
  /** The cap on the log templates the pattern miner holds (default DEFAULT_MAX_TEMPLATES). */
  maxPatterns?: number;
  /** false: no error grouping or pattern mining at ingest (the bench's row without them). */
  analysis?: boolean;
}

export interface Engine {
  /** The public API (shared/api.ts): what the protocol and REST serve, and what the CLI asks. */
  readonly api: EngineApi;
  /** The status every module contributes to (engine.status). */
  status(): EngineStatusView;
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
  /** The StatsD source (listening, or saying why not), or null when not asked for. */
  readonly statsd: StatsdSource | null;
  /** The Zipkin and Jaeger agent listeners, or null when not asked for. */
  readonly zipkin: ZipkinSource | null;
  readonly jaeger: JaegerAgentSource | null;
  /** The Sentry source (its Spotlight port), or null when not asked for. */
  readonly sentry: SentrySource | null;
  /** The Python logging listener (SocketHandler, DatagramHandler), or null when not asked for. */
  readonly pythonLogging: PythonLoggingSource | null;
  /** The syslog listener, or null when not asked for. */
  readonly syslog: SyslogSource | null;
  /** Data folder files that were readable by others and were made private at start (`path old → new mode`). */
  readonly repairedModes: string[];
  /** The alert manager (the desktop host hands it the actions of notifications and the tray). */
  readonly alertManager: AlertManager;
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
/** The alert manager's configuration (Alertmanager's format) in the data dir. */
export const ALERT_MANAGER_CONFIG_FILE = 'alertmanager.yml';
/** The data dir's folder of rule files (YAML, editable by hand and from the Alerts view). */
export const RULES_DIR = 'rules';
/** The instrumentation scope of the SLOs' Sloth series. */
export const SLO_SCOPE = 'loupe/slo';
/** The instrumentation scope of the golden signals' baseline series. */
export const ANOMALIES_SCOPE = 'loupe/anomalies';

export async function createEngine(config: EngineConfig): Promise<Engine> {
  const dbPath = join(config.dataDir, DB_FILE);
  const repairedModes = preparePrivateDir(config.dataDir);
  const lock = lockDataDir(config.dataDir);
  const maxDbBytes = config.maxDbBytes ?? DEFAULT_MAX_DB_BYTES;
  let db: Db;
  try {
    db = openDatabase(dbPath, ftsJournalMode(maxDbBytes));
  } catch (err) {
    lock.release();
    throw err;
  }
  registerQueryFunctions(db);
  const scheduler = new Scheduler(config.clock ?? systemClock);
  // What a start that fails halfway must undo, newest first (listeners closed, jobs stopped, the
  // database closed, the data dir unlocked), before the error goes to the caller.
  const undo: (() => unknown)[] = [() => lock.release(), () => db.close(), () => scheduler.stopAll()];
  const abandon = async (err: unknown): Promise<never> => {
    for (const step of undo.reverse()) await step();
    throw err;
  };
  const events = new EventBus();
  const writer = new LogWriter(db, scheduler.clock, config.ftsPartRecords);
  const reader = new LogReader(db, writer, config.searchDeadlineMs, scheduler.clock);
  // The full-text index catches up with the records on its own thread (it may lag: see fts-index.ts).
  const ftsBackground = new FtsBackground(dbPath, writer.fts, scheduler, {
    walPauseBytes: 2 * walLimitBytes(maxDbBytes),
    onIndexed: (done) => events.emit('logs.indexed', { done }),
  });
  ftsBackground.start();
  undo.push(() => ftsBackground.stop());
  events.on('logs.stored', () => ftsBackground.wake());
  const sourceStore = new SourceStore(db, scheduler.clock);
  // Searches also look through the files' bytes not read yet (a big folder's first seconds).
  reader.unread = new UnreadFileScan(db, scheduler.clock);
  // The log rules' counts follow what is stored and deleted.
  const logCounts = new LogWindowCounts({ reader });
  const logsDeleted = (fromId: number, toId: number): void => events.emit('logs.deleted', { fromId, toId });
  events.on('logs.deleted', ({ toId }) => logCounts.deleted(toId));
  const pipeline = new LogPipeline(writer, sourceStore, scheduler, events);
  const sources = new SourceManager(sourceStore, pipeline, new FileRecordEraser(db, logsDeleted), scheduler, {
    ...(config.pollMs !== undefined ? { pollMs: config.pollMs } : {}),
    ...(config.idleMs !== undefined ? { idleMs: config.idleMs } : {}),
  });
  // Error groups and log patterns follow the stored batches before the live tail does, so a live
  // `group:` or `pattern:` search sees the groups and templates of the batch it is shown.
  const analysis = new Analysis({
    db,
    events,
    clock: scheduler.clock,
    reader,
    sourcePath: (id) => sourceStore.getSource(id)?.path,
    maxTemplates: config.maxPatterns,
  });
  const stopAnalysis = config.analysis === false ? () => {} : analysis.listen();
  if (config.analysis !== false) scheduler.add(analysis.flushJob).start();
  const live = new LiveTail(
    scheduler,
    (row) => reader.toView(row),
    (row) => reader.pathsOf(row),
    undefined,
    undefined,
    sqlAnalysisLookup(db),
  );
  events.on('logs.stored', (batch) => live.publish(batch));
  events.on('logs.stored', (batch) => logCounts.observe(batch));
  const alertHistory = new AlertHistory(db);
  const retention = new Retention(
    db,
    [
      new LogPruner(db, logsDeleted),
      new SpanPruner(db),
      new MetricPruner(db, (points) => events.emit('points.deleted', { points })),
      analysis.pruner,
    ],
    { maxDbBytes, retentionUs: config.retentionUs ?? DEFAULT_RETENTION_US },
    { clock: scheduler.clock, dbPath },
  );
  scheduler.add(retention.job).start();
  // Every batch written, whatever the signal, is followed by a look at the size bound; so is each
  // step of the full-text index, which catches up after the records (a backlog's index grew the
  // files 10 MB past a 32 MiB limit before the retention timer looked).
  for (const written of ['logs.stored', 'logs.indexed', 'spans.stored', 'points.stored'] as const) {
    events.on(written, () => retention.afterWrite());
  }
  const traces = new SpanReader(db, config.searchDeadlineMs, scheduler.clock);
  const metrics = new MetricReader(db);
  // The metrics sources (scrape targets, StatsD) store through one sink, as OTLP-shaped points.
  const points = new PointsSink(db, events);
  // PromQL and remote write read the points back as the same Prometheus series.
  const seriesStore = new SqliteSeriesStore(db);
  const prometheus = new PrometheusApi(seriesStore, () => scheduler.clock.nowMs());
  // The Performance page and "what changed" read spans, error groups, patterns and PromQL.
  const promql = (query: string, timeMs: number): PromQueryData => prometheus.query({ query, time: timeMs / 1000 });
  const nowUs = (): number => scheduler.clock.nowUs();
  const performance = new Performance(db, promql, nowUs);
  const changes = new WhatChanged({
    db,
    errors: analysis.errors,
    patterns: analysis.patterns,
    promql,
    sourcePath: (id) => sourceStore.getSource(id)?.path,
    nowUs,
  });
  sources.registerKind(scrapeKind({ scheduler, sink: points }));
  let otlp: OtlpReceiver | null = null;
  let otlpProblem: string | null = null;
  if (config.otlp) {
    try {
      otlp = await startOtlpReceiver(db, writer, config.otlp, { events, scheduler });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && config.otlpOptional) {
        otlpProblem = `${(err as Error).message}: another program (a Collector? Jaeger?) uses the OTLP ports`;
      } else {
        await abandon(err);
      }
    }
  }
  undo.push(() => otlp?.close());
  let statsd: StatsdSource | null = null;
  if (config.statsd) {
    statsd = new StatsdSource(config.statsd, { scheduler, sink: points });
    try {
      await statsd.listen();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && config.statsdOptional) {
        statsd.notListening(
          `not receiving StatsD: UDP port ${config.statsd.port} on ${statsd.host} is taken by another program ` +
            '(a StatsD daemon? statsd_exporter? a Datadog agent?); pass --statsd-port 0 for a free port',
        );
      } else {
        await abandon(err);
      }
    }
  }
  undo.push(() => statsd?.stop());
  const traceSources: TraceSources = await startTraceSources(
    db,
    writer,
    { zipkin: config.zipkin, jaegerAgent: config.jaegerAgent },
    { events, scheduler },
  ).catch(abandon);
  undo.push(() => traceSources.close());
  // Log records that come over the network one by one (Python's handlers, syslog) are batched per
  // listener. HTTPHandler's records need only the API port: their intake is there without the flag.
  const netLogs = { writer, scheduler, events };
  const pythonIntake = new PythonLogIntake(new LogBatcher(netLogs), scheduler.clock);
  const pythonLogging = config.pythonLogging ? new PythonLoggingSource(config.pythonLogging, pythonIntake, scheduler.clock) : null;
  const syslog = config.syslog ? new SyslogSource(config.syslog, new LogBatcher(netLogs), scheduler.clock) : null;
  undo.push(() => pythonLogging?.stop());
  await pythonLogging?.listen().catch((err: unknown) => abandon(portError(err, 'Python logging', '--python-logging-port')));
  undo.push(() => syslog?.stop());
  await syslog?.listen().catch((err: unknown) => abandon(portError(err, 'syslog', '--syslog-port')));
  const sentry = config.sentry ? new SentrySource(config.sentry, { db, logs: writer, events, scheduler }) : null;
  undo.push(() => sentry?.stop());
  await sentry?.listen().catch(abandon);

  // The rules' alerts go to the alert manager (alertmanager.yml in the data dir, reloaded when it
  // changes; the defaults without one), and the last of them are kept for the API (alerts.sent).
  const alertManager = new AlertManager({
    db,
    scheduler,
    events,
    configPath: join(config.dataDir, ALERT_MANAGER_CONFIG_FILE),
  });
  const sent = new SentAlerts(() => scheduler.clock.nowMs());
  const alertSink: AlertSink = {
    send: (alerts) => {
      sent.send(alerts);
      alertManager.send(alerts);
    },
  };
  // Alerts out of the box, without a rule: new and regressed error groups, new warn+ log patterns…
  // (their firing stretches kept in the history as the rules' are: the Alerts view's timeline).
  alertHistory.closeRuleless(scheduler.clock.nowUs());
  const rulelessSink: AlertSink = {
    send: (alerts) => {
      alertHistory.recordSent(alerts);
      alertSink.send(alerts);
    },
  };
  const stopAnalysisAlerts =
    config.analysis === false ? () => {} : alertOnAnalysis(events, new EventAlerts({ sink: rulelessSink, scheduler }));
  // …and a service down or not ready by its health probes.
  const stopHealthAlerts = alertOnHealth(events, new StateAlerts({ sink: rulelessSink, clock: scheduler.clock }));
  // The SLOs read their files now: their generated alert rules are a rule file the alerts module loads.
  const slo = sloModule({
    clock: scheduler.clock,
    scheduler,
    series: seriesStore,
    db,
    countLogs: (q, fromUs, toUs) => reader.count({ q, from: fromUs, to: toUs }),
    writeSeries: (samples, tsMs) => points.write({ attributes: {} }, SLO_SCOPE, gaugeMetrics(samples, tsMs)),
    dataDir: config.dataDir,
    extraFiles: config.sloFiles ?? [],
  });
  // The golden signals' baselines and anomalies.
  const anomalyFinder = new Anomalies({
    store: seriesStore,
    clock: scheduler.clock,
    writeSeries: (samples, tsMs) => points.write({ attributes: {} }, ANOMALIES_SCOPE, gaugeMetrics(samples, tsMs)),
  });
  const anomalies = {
    list: anomalyFinder.list.bind(anomalyFinder),
    baselineJob: anomalyFinder.baselineJob,
    get status() {
      return anomalyFinder.status;
    },
  };
  const modules: EngineModule[] = [];
  const status = (): EngineStatusView => Object.assign({}, ...modules.map((m) => m.status?.())) as EngineStatusView;
  // Module order: starts in this order, stops in reverse (OTLP closes first, then the tailers
  // stop and write what is pending, then the live tail).
  modules.push(
    // First, so it stops last: the batches the tailers and OTLP write while stopping are analysed too.
    analysisModule(analysis, { performance, changes }, () => {
      stopAnalysisAlerts();
      stopAnalysis();
    }),
    derivedMetricsModule({ db, events, scheduler, sourceName: (id) => sourceStore.getSource(id)?.path }),
    hostMetricsModule({
      scheduler,
      sink: points,
      // The processes tied to a source: the writers of the watched log files, the pids SDK resources name.
      processes: {
        events,
        watchedFiles: () =>
          sourceStore
            .listSources()
            .filter((s) => s.kind === 'file' || s.kind === 'folder')
            .flatMap((s) => sourceStore.knownFiles(s.id).map((f) => ({ fileId: f.fileId, path: f.path }))),
        namingResources: () => resourcesNamingProcess(db),
      },
    }),
    engineModule(dbPath, retention, status),
    logsModule(reader, live),
    tracesModule(db, traces),
    metricsModule(metrics, prometheus, new ExemplarReader(db, seriesStore)),
    remoteWriteModule({ db, scheduler, store: seriesStore, url: config.remoteWrite }),
    // Before the rules: it stops after them, so their last resolutions are still delivered.
    { name: 'alert-manager', ...alertManager.parts() },
    alertsModule({
      db,
      scheduler,
      events,
      series: seriesStore,
      logs: reader,
      logCounts,
      points,
      sink: alertSink,
      sent,
      history: alertHistory,
      ruleFiles: [...(config.rules ?? []), slo.rulesPath],
      rulesDir: join(config.dataDir, RULES_DIR),
    }),
    sourcesModule(sources, pipeline, {
      paths: config.paths ?? [],
      followSymlinks: config.followSymlinks === true,
      scrape: config.scrape ?? [],
      loggingConfigs: config.loggingConfigs ?? [],
      statsd,
      tracesIn: [traceSources.zipkin, traceSources.jaeger].flatMap((s) => (s ? [s] : [])),
      sentry,
      listeners: [
        ...(pythonLogging ? [{ source: pythonLogging, why: 'it is set by loupe serve --python-logging-port' }] : []),
        ...(syslog ? [{ source: syslog, why: 'it is set by loupe serve --syslog-port' }] : []),
      ],
    }),
    pythonLoggingModule(pythonIntake),
    otlpModule(otlp, otlpProblem),
    healthModule({
      db,
      scheduler,
      sink: points,
      logs: writer,
      events,
      dataDir: config.dataDir,
      extraFiles: config.probesFiles ?? [],
      secretStore: new SecretStore(config.dataDir, config.secretsKey),
    }),
    slo.module,
    anomaliesModule(anomalies, scheduler),
    // Last: its routes' `/api/{project}/…` addresses are tried after every other module's.
    ...(sentry ? [sentryModule(sentry)] : []),
  );
  retention.adopt(modules.flatMap((m) => (m.pruner ? [m.pruner] : [])));
  let api: EngineApi;
  try {
    api = apiOf(modules);
  } catch (err) {
    return abandon(err);
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
      stopHealthAlerts();
      await attempt('stopping the scheduled jobs', () => scheduler.stopAll());
      problems.push(...(await stopModules(modules)));
      // The sources module stops it once attached; this covers a start that failed before that.
      await attempt('stopping the StatsD listener', () => statsd?.stop());
      await attempt('writing the Zipkin and Jaeger spans', () => traceSources.close());
      await attempt('stopping the Sentry source', () => sentry?.stop());
      await attempt('stopping the Python logging listener', () => pythonLogging?.stop());
      await attempt('stopping the syslog listener', () => syslog?.stop());
      await attempt('stopping the full-text indexer', () => ftsBackground.stop());
      await attempt('checkpointing the database', () => db.pragma('wal_checkpoint(TRUNCATE)'));
      await attempt('closing the database', () => db.close());
    } finally {
      lock.release();
    }
    return { problems };
  };
  const engine: Engine = {
    api,
    status,
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
    statsd,
    zipkin: traceSources.zipkin,
    jaeger: traceSources.jaeger,
    sentry,
    pythonLogging,
    syslog,
    repairedModes,
    alertManager,
    close: () => (closing ??= close()),
  };
  try {
    for (const m of modules) await m.start?.();
  } catch (err) {
    // A path the user gave that can't be watched: nothing stays open behind the error.
    await engine.close();
    throw err;
  }
  return engine;
}

/** EADDRINUSE as a sentence naming the flag to change; other errors as they are. */
function portError(err: unknown, what: string, flag: string): unknown {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new ListenerPortInUseError(what, err as Error, flag) : err;
}

/** The modules' handlers as one table and their routes (a method claimed twice, a route to no method: an error). */
export function apiOf(modules: readonly EngineModule[]): EngineApi {
  const table = new HandlerTable(modules);
  const routes = modules.flatMap((m) => m.routes ?? []);
  return { table, routes, rest: new RestRouter(routes, table) };
}

/** Stops the modules in reverse order; each one's failures are sentences of the close report. */
async function stopModules(modules: readonly EngineModule[]): Promise<string[]> {
  const problems: string[] = [];
  for (const m of [...modules].reverse()) {
    try {
      await m.stop?.();
    } catch (err) {
      const errors = err instanceof AggregateError ? (err.errors as unknown[]) : [err];
      for (const e of errors) problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  return problems;
}

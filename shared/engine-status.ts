// How the engine is doing (GET /api/status, engine.status): per part, what it stored, what it
// refused and why.
import type { RulesStatusView } from './rules.js';
import type { ReadProgress } from './sources.js';

/** How the engine is doing: what it stored, what it refused and why (GET /api/status, engine.status). */
export interface EngineStatusView {
  /**
   * usedBytes: live pages of the database and its full-text index file; diskBytes: what the files
   * take on disk (free pages and the journals too), what --max-db-size (maxBytes) bounds.
   */
  database: { path: string; usedBytes: number; diskBytes: number; maxBytes: number; retentionUs: number };
  /** `pendingRecords` wait in memory while writes fail (the tailers pause past a bound). */
  logs: {
    recordsWritten: number;
    pendingRecords: number;
    writeErrors: number;
    lastWriteError: string | null;
    /** The file and folder sources reading a backlog now (a big file's first read), with how far they are. */
    reading?: (ReadProgress & { source: number; path: string })[];
  };
  retention: { deletedRecords: number; lastRun: string | null; lastError: string | null };
  /** null when the OTLP receiver is off. */
  otlp:
    | (OtlpCountersView & {
        host: string;
        httpPort: number;
        grpcPort: number;
        forward: { url: string; sent: number; failed: number; dropped: number; lastError: string | null } | null;
      })
    | null;
  /** Why there is no OTLP receiver although one was asked for (its ports were taken). */
  otlpProblem?: string;
  /** The metrics Loupe derives at ingest: RED from spans, log volume (README, *Metrics*). */
  derivedMetrics?: DerivedMetricsView;
  /** `--remote-write URL`: what was sent to the Prometheus-compatible receiver (README, *Remote write*). */
  remoteWrite?: RemoteWriteView;
  /** Alert and recording rules (README, *Rules*). */
  rules?: RulesStatusView;
  /** Health checks (README, *Health checks*): results written, write failures, probes, mistakes in the probes files. */
  health?: { results: number; writeErrors: number; lastWriteError: string | null; probes: number; fileErrors: number };
  /** The SLOs: how many, their files' mistakes, the minute's evaluations (the Sloth series) and their failures. */
  /** backfilling: SLOs whose minutes are still being counted from history (read by PromQL meanwhile). */
  slos?: { slos: number; fileErrors: number; evaluations: number; evaluationErrors: number; lastError: string | null; backfilling: number };
  /** Error groups and log patterns (README, *Errors and patterns*). */
  analysis?: AnalysisStatusView;
  /** The baseline job: its runs, failures and the series it wrote last. */
  anomalies?: { runs: number; failures: number; lastError: string | null; series: number };
  /** The alert manager (README, *Alert manager*). */
  alertManager?: AlertManagerStatusView;
}

/** The analysis at ingest: templates held (capped, least recent dropped) and batches it failed on. */
export interface AnalysisStatusView {
  templates: number;
  maxTemplates: number;
  /** Templates dropped to stay under the cap (a like message later starts a new one). */
  evictedTemplates: number;
  /** Stored batches the analysis failed on (the records are stored all the same), and why the last one did. */
  failures: number;
  lastFailure: string | null;
}

/** The alert manager's configuration file and deliveries. */
export interface AlertManagerStatusView {
  /** alertmanager.yml's path (null when the configuration was given otherwise). */
  configFile: string | null;
  /** Why the file's current version does not load (`path:line:column: …`): the last good configuration runs meanwhile. */
  configError: string | null;
  configReloads: number;
  configReloadErrors: number;
  /** Alerts firing now, not silenced nor inhibited. */
  firing: number;
  /** Deliveries that failed after their last retry (in the notification history). */
  failedDeliveries: number;
  /** Deliveries waiting for their first attempt or a retry. */
  pendingDeliveries: number;
}

/** Remote write's counters: samples sent, requests that failed (retried), samples refused, the backlog. */
export interface RemoteWriteView {
  url: string;
  sentSamples: number;
  sentRequests: number;
  /** Requests that failed on the network, 5xx or 429: retried, with a growing delay. */
  failedRequests: number;
  /** Samples the receiver refused with another 4xx (out of order, too old, invalid): not retried. */
  droppedSamples: number;
  /** Points never sent because the backlog passed its bound while the receiver was away. */
  skippedPoints: number;
  lastError: string | null;
  lastSent: string | null;
  /** Points stored and not sent yet, and how old the oldest of them is (0 when caught up). */
  pendingPoints: number;
  lagSeconds: number;
}

/** What the derivation counted, the series it keeps (bounded) and what went to an overflow series. */
export interface DerivedMetricsView {
  spans: number;
  spanSeries: number;
  /** Spans counted in an overflow series (`otel.metric.overflow="true"`) because the series limit was reached. */
  overflowSpans: number;
  logSeries: number;
  overflowLogRecords: number;
  /** Points written by the flushes (every 15 s). */
  pointsWritten: number;
  lastFlush: string | null;
  writeErrors: number;
  lastWriteError: string | null;
}

/** What the OTLP receiver took in and refused (kept by the engine as it ingests). */
export interface OtlpCountersView {
  requests: number;
  spans: number;
  duplicateSpans: number;
  logRecords: number;
  metricPoints: number;
  /** Items dropped from accepted requests (invalid ids…), as partial_success reports them. */
  rejectedItems: number;
  /** Requests answered 503 / UNAVAILABLE under backpressure (the sender retries). */
  refusedRequests: number;
  writeErrors: number;
  lastWriteError: string | null;
  /** Requests refused as malformed, oversized or of the wrong kind (4xx / INVALID_ARGUMENT), and the last reason. */
  invalidRequests: number;
  lastInvalidRequest: string | null;
}

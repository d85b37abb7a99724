// Records as they cross a process boundary (engine → API/renderer). Times here are RFC 3339
// strings; inside the engine every time is an integer number of microseconds since the epoch.
import type { Level } from './severity.js';
import type { RulesStatusView } from './rules.js';

export interface LogRecordView {
  /** Stable id of the record (its row id): use it for context and as a cursor. */
  id: number;
  timestamp: string;
  /** True when the line had no timestamp of its own and took the previous record's (or the read time). */
  timestampInferred?: boolean;
  level: Level;
  severityNumber: number;
  /** The level as it was written (WARNING, warn, 30, …), when there was one. */
  severityText?: string;
  logger?: string;
  message: string;
  attributes?: Record<string, unknown>;
  /** The source (a watched path), and the file within it the record came from. */
  source?: string;
  file?: string;
  traceId?: string;
  spanId?: string;
  service?: string;
  /** The last exception of a folded traceback. */
  exception?: { type: string; message: string };
  /** The line was longer than the line limit and was cut; the message ends with a marker. */
  truncated?: boolean;
  /**
   * Found by a search in a file's bytes not read into the store yet: not stored, so `id` is a
   * negative stand-in (no context, not a cursor) and the record is stored later with its own id.
   * `file` and `offset` (the byte its record starts at) say where it is.
   */
  pending?: { file: string; offset: number };
}

/**
 * `rereading`: a forced format is being applied (old records erased, then the files read again).
 * A scrape target is `watching` while its scrapes work and `error` while they fail; a StatsD
 * source `stopped` when its port was taken (lastError says so).
 */
export type SourceState = 'starting' | 'watching' | 'missing' | 'error' | 'stopped' | 'rereading';

export interface SourceFileView {
  path: string;
  format: string;
  records: number;
  bytes: number;
  /** Bytes of the file stored so far (the committed checkpoint). */
  offset: number;
  /** Why the file is not read (binary, compressed, unreadable), or the last problem with it. */
  skipped?: string;
  error?: string;
  truncatedLines: number;
  invalidUtf8Lines: number;
  /** The file was deleted or rotated out of reach after it was read to its end. */
  gone?: boolean;
  /**
   * Another source covers this file too and reads it (its lines are stored once, there): that
   * source's id and path. When that source is removed, this one goes on from its checkpoint.
   */
  readBy?: { source: number; path: string };
}

/**
 * What a source reads: log files (`file`, `folder`), a Prometheus endpoint it scrapes (`scrape`),
 * or the StatsD datagrams it listens for (`statsd`), the Sentry SDKs' envelopes (`sentry`), Python's
 * logging handlers (`python-logging`) and syslog (`syslog`); the older tracers' spans: Zipkin's HTTP
 * API (`zipkin`, which also takes Jaeger's collector posts) and Jaeger's agent UDP ports (`jaeger`).
 */
export type SourceKind = 'file' | 'folder' | 'scrape' | 'statsd' | 'sentry' | 'python-logging' | 'syslog' | 'zipkin' | 'jaeger';

/** A scrape target's settings and its last scrape, as Prometheus's targets page shows them. */
export interface ScrapeTargetView {
  intervalMs: number;
  timeoutMs: number;
  /** The `job` of its series (their resource's service.name); `instance` is the URL's host:port. */
  job: string;
  instance: string;
  /** 1 when the last scrape worked, 0 when it failed, null before the first one. */
  up: 0 | 1 | null;
  lastScrape?: string;
  lastDurationMs?: number;
  /** Series in the last good scrape. */
  series: number;
}

/**
 * How far a source is through what it has to read (a big file's first read, a folder of old logs),
 * while that is more than a moment's work: bytes of the files now, records stored and the records
 * they will make (estimated from the bytes per record so far), and the time left at the rate of
 * the last seconds (null until known).
 */
export interface ReadProgress {
  bytesDone: number;
  bytesTotal: number;
  records: number;
  recordsTotal: number;
  secondsLeft: number | null;
}

export interface SourceView {
  id: number;
  kind: SourceKind;
  /** The watched path (file, folder), the scraped URL (scrape), or the address listened on (statsd: udp://host:port). */
  path: string;
  /** The format the user forced for this source, when any; otherwise each file is detected. */
  format?: string;
  /** A folder's links to files outside it are read (asked for when adding it); otherwise they are listed as skipped. */
  followSymlinks?: true;
  state: SourceState;
  /** Log records stored (file, folder), metric points stored (scrape, statsd), or spans stored (zipkin, jaeger). */
  records: number;
  /** Bytes read: of the files, the scraped bodies, the datagrams. */
  bytes: number;
  /** Records (or points) per second over the last few seconds. */
  rate: number;
  lastError?: string;
  /** When lastError happened (metrics sources). */
  lastErrorAt?: string;
  /** The source's named counters (metrics sources: scrapes, failures by kind, bad lines, drops…). */
  counters?: Record<string, number>;
  scrape?: ScrapeTargetView;
  /** The files read (file and folder sources; empty for the others). */
  files: SourceFileView[];
  /** While the files hold more than a moment's reading that is not stored yet (file and folder sources). */
  progress?: ReadProgress;
}

export interface HistogramBucket {
  start: string;
  end: string;
  counts: Partial<Record<Level, number>>;
}

/**
 * A numeric attribute with many values (`duration_ms`: one per record) as a facet: its range and
 * how the values spread over it, instead of a list of values each seen once.
 */
export interface NumericFacet {
  min: number;
  max: number;
  /** Counts in equal-width bins from min to max (the last bin includes max). */
  bins: number[];
}

/**
 * The records a text search found by scanning their stored text, the full-text index not having
 * reached them yet (it may lag behind a big folder's first read): how many, and their text's bytes.
 */
export interface UnindexedPart {
  records: number;
  bytes: number;
}

/** The bytes of the watched files not read into the store yet (a big folder's first minute), and in how many files. */
export interface UnreadPart {
  bytes: number;
  files: number;
}

/** What a search did with the unread bytes: their matches are its `pending` records. */
export interface UnreadSearched extends UnreadPart {
  /**
   * How many of them it looked through for its words (or, `browsed`, covered as records): all of
   * them, or fewer when it stopped at its cap (bytes or time).
   */
  scannedBytes: number;
  /** Files skipped because they changed under the scan (rotated away, truncated, rewritten). */
  changed?: string[];
  /**
   * A browse (no words): the unread bytes were read as records, from the page's time back
   * (`scannedBytes`: how much of them the page covered). Without it, a search looked for words.
   */
  browsed?: true;
  /** Files whose records are not in time order: a browse read their unread part whole (within the caps). */
  unordered?: string[];
}

export interface HistogramView {
  total: number;
  buckets: HistogramBucket[];
  /** Present while some records are not full-text indexed yet (and the search has words): they were scanned. */
  unindexed?: UnindexedPart;
  /** Present while some of the files are not read yet: the counts are of what is stored. */
  unread?: UnreadPart;
}

export interface LogPage {
  records: LogRecordView[];
  /** Pass back as `cursor` to get the next (older) page; null when there is none. */
  nextCursor: string | null;
  /** Present while some records are not full-text indexed yet (and the search has words): they were scanned. */
  unindexed?: UnindexedPart;
  /** Present while some of the files are not read yet: what the search did with them. */
  unread?: UnreadSearched;
}

export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatusCode = 'unset' | 'ok' | 'error';

/** One trace in a search result. Times: RFC 3339 (µs) and the same as µs numbers for charts. */
export interface TraceSummaryView {
  traceId: string;
  /** The service and operation of the span without a parent (absent while it has not arrived). */
  rootService?: string;
  rootOperation?: string;
  start: string;
  startUs: number;
  durationUs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
}

export interface TraceSearchView {
  /** The newest matching traces, up to the limit. */
  traces: TraceSummaryView[];
  /** How many traces match in all, counted up to a cap: with `totalCapped`, at least that many. */
  total: number;
  totalCapped?: true;
  /** Pass back as `cursor` for the next (older) page; null when this is the last. */
  nextCursor: string | null;
}

export interface SpanEventView {
  time: string;
  timeUs: number;
  name: string;
  attributes?: Record<string, unknown>;
}

export interface SpanLinkView {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes?: Record<string, unknown>;
}

export interface SpanView {
  traceId: string;
  spanId: string;
  /** Absent for a root span; may name a span that never arrived (an orphan). */
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: SpanKind;
  start: string;
  startUs: number;
  endUs: number;
  durationUs: number;
  status: { code: SpanStatusCode; message?: string };
  service?: string;
  /** Index into TraceView.resources. */
  resource: number;
  scope?: { name: string; version?: string };
  attributes: Record<string, unknown>;
  events: SpanEventView[];
  links: SpanLinkView[];
  flags: number;
}

export interface ResourceView {
  service?: string;
  attributes: Record<string, unknown>;
  schemaUrl?: string;
}

export interface TraceView {
  traceId: string;
  /** Spans by start time. */
  spans: SpanView[];
  resources: ResourceView[];
  start: string;
  startUs: number;
  durationUs: number;
  services: string[];
}

/**
 * One span of a CompactTraceView, as an array: [span id, parent span id (null: a root), name, kind
 * (OTLP's number: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer), start (µs
 * after the trace's start), duration µs, status (0 unset, 1 ok, 2 error), service, resource (index
 * into the trace's resources), scope name, scope version, attributes (the JSON text of the object)],
 * then, only when the span has one of them: [events, links (JSON text of SpanEventView[] and
 * SpanLinkView[]), status message, trace state, flags].
 */
export type CompactSpan =
  | [...CompactSpanHead]
  | [
      ...CompactSpanHead,
      events: string | null,
      links: string | null,
      statusMessage: string | null,
      traceState: string | null,
      flags: number,
    ];
type CompactSpanHead = [
  spanId: string,
  parentSpanId: string | null,
  name: string,
  kind: number,
  start: number,
  durationUs: number,
  status: number,
  service: string | null,
  resource: number,
  scopeName: string | null,
  scopeVersion: string | null,
  attributes: string,
];

/**
 * One trace as the Traces view opens it (`traces.compact`): the spans by start time, each an array
 * without what every span repeats (trace id, RFC 3339 start, field names), its attributes, events
 * and links as the stored JSON text in a string. A 10,000-span trace is ~2/3 of the bytes of its
 * TraceView and parses ~3x faster (those strings are scanned, not built into objects); the view
 * parses a span's when it reads them.
 */
export interface CompactTraceView {
  traceId: string;
  start: string;
  startUs: number;
  durationUs: number;
  services: string[];
  resources: ResourceView[];
  spans: CompactSpan[];
}

export interface ServiceView {
  name: string;
  spanCount: number;
  operations: { name: string; spanCount: number }[];
}

/** Calls from spans of one service to child spans of another over a time range. */
export interface ServiceMapEdge {
  parent: string;
  child: string;
  count: number;
  /** Calls per second over the map's window. */
  rate: number;
  errorCount: number;
  /** errorCount / count */
  errorRate: number;
  /** 95th percentile of the child spans' durations, µs. */
  p95DurationUs: number;
}

/**
 * `service`: sends spans. `database` / `external`: named by the client spans that call it
 * (db.system with db.namespace or server.address; peer.service or server.address).
 */
export type ServiceMapNodeKind = 'service' | 'database' | 'external';

export interface ServiceMapNode {
  name: string;
  kind: ServiceMapNodeKind;
  /** Requests it served: a service's spans called from outside it (another service or no parent); calls into the others. */
  count: number;
  /** count per second over the map's window. */
  rate: number;
  errorCount: number;
  errorRate: number;
}

export interface ServiceMapView {
  /** The services that sent spans (the names of the `service` nodes). */
  services: string[];
  nodes: ServiceMapNode[];
  edges: ServiceMapEdge[];
  /** Seconds the rates are over: the range asked (up to now), or the calls' own extent. */
  windowSeconds: number;
  /** True when the range held more calls than were read (the newest ones are counted). */
  truncated: boolean;
}

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

/** `[unix seconds, "value"]`: a sample as Prometheus's HTTP API writes it (the value as text: "NaN", "+Inf"). */
export type PromSamplePair = [number, string];

/** The `data` of a Prometheus /api/v1/query or /api/v1/query_range answer (metrics.query, metrics.queryRange). */
export type PromQueryData =
  | { resultType: 'scalar'; result: PromSamplePair }
  | { resultType: 'string'; result: [number, string] }
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: PromSamplePair }[] }
  | { resultType: 'matrix'; result: { metric: Record<string, string>; values: PromSamplePair[] }[] };

/** One series' exemplars, as /api/v1/query_exemplars answers them: `value` as text, `timestamp` in Unix seconds. */
export interface PromExemplarSeries {
  seriesLabels: Record<string, string>;
  /** `labels` has `trace_id` and `span_id` when the measurement was traced, then the exemplar's own attributes. */
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

/** What /api/v1/metadata says of one metric family. */
export interface PromMetricMetadata {
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  help: string;
  unit: string;
}

/** A metric received (one per name, type, unit and service), with its newest point (metrics.list, GET /api/metrics). */
export interface MetricSummaryView {
  name: string;
  type: 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';
  unit?: string;
  service?: string;
  description?: string;
  /** Time series of this metric (distinct attribute sets, resources, scopes). */
  series: number;
  /** The newest point of any of its series. */
  lastTime: string;
  /** Gauges and sums: that point's value. */
  lastValue?: number;
  /** Histograms and summaries: that point's count and sum. */
  lastCount?: number;
  lastSum?: number;
}

/** An error group's state: resolved re-opens on a new occurrence (a regression); ignored stays listed without events. */
export type ErrorGroupStatus = 'unresolved' | 'resolved' | 'ignored' | 'merged';

/** One frame of a traceback (the root cause's), as Python printed it. */
export interface ErrorFrameView {
  file: string;
  line: number;
  function: string;
  code?: string;
  /** Library code (site-packages, dist-packages, the standard library), not the app's own. */
  library: boolean;
}

/** A group of like errors (errors.list): its counts are over the asked range, `count` ever. */
export interface ErrorGroupView {
  id: number;
  /** `Type: message` of the root cause. */
  title: string;
  type: string;
  message: string;
  status: ErrorGroupStatus;
  /** The group that took it over, when merged. */
  mergedInto?: number;
  firstSeen: string;
  lastSeen: string;
  /** Occurrences ever… */
  count: number;
  /** …and in the asked range, with its counts per equal slice of the range (the sparkline). */
  countInRange: number;
  sparkline: number[];
  /** When a new occurrence last re-opened it after it was resolved. */
  regressedAt?: string;
  services: string[];
  /** The paths of the sources it was read from. */
  sources: string[];
}

/** One occurrence: a log record (`logId`), or an exception event of a span. */
export interface ErrorOccurrenceView {
  time: string;
  logId: number | null;
  traceId: string | null;
  spanId: string | null;
  service: string | null;
  source: string | null;
}

/** One group with its traceback and occurrences (errors.get). */
export interface ErrorGroupDetailView extends ErrorGroupView {
  frames: ErrorFrameView[];
  /** The newest occurrence's whole traceback text, as printed. */
  traceback: string | null;
  first: ErrorOccurrenceView | null;
  newest: ErrorOccurrenceView | null;
  /** The newest occurrences (up to 20). */
  recent: ErrorOccurrenceView[];
  /** The Logs search that finds its records: `group:<id>`. */
  query: string;
}

/** A template mined from the messages (patterns.list), counted over the asked range. */
export interface PatternView {
  id: number;
  /** `user <*> logged in from <IP>`: <*> any token; <NUM>, <UUID>, <IP>, <HEX>, <DUR> typed ones. */
  template: string;
  /** Messages in the range… */
  count: number;
  /** …and in the range of the same length just before it. */
  previousCount: number;
  /** First seen within the range: new. */
  isNew: boolean;
  firstSeen: string;
  lastSeen: string;
  /** Counts per equal slice of the range. */
  sparkline: number[];
  /** Levels it was seen at (trace … fatal). */
  levels: string[];
  services: string[];
  sources: string[];
  sample: string;
  sampleLogId: number | null;
}

export interface PatternsView {
  patterns: PatternView[];
  /**
   * With a search: how many of its newest matches (range and previous range) were counted, and
   * whether that was all of them. Without one the counts are the per-minute totals, exact.
   */
  sampled: number | null;
  complete: boolean;
  /**
   * The time `isNew` was measured from (first seen at or after it): `since`, the last start of the
   * `sinceStartOf` service, or the range's start. Null when that service's start is unknown (then
   * the range's start was used, and `sinceUnknown` says why).
   */
  since: string | null;
  sinceUnknown?: string;
  /** Templates the miner holds, its cap, and those it dropped (least recently seen) to stay under it. */
  templates: number;
  maxTemplates: number;
  evicted: number;
}

/** A database statement (normalised: literals as `?`) and what its calls cost in the range (the Performance page). */
export interface SlowQueryView {
  /** The service that made the calls. */
  service: string;
  /** `db.system.name` / `db.system`: postgresql, sqlite, redis… */
  system: string;
  /** The normalised statement, or `operation collection` when the spans carry no statement. */
  statement: string;
  calls: number;
  totalMs: number;
  p95Ms: number;
  maxMs: number;
  /** Its calls' time over the duration of the traces they ran in (0–1). */
  traceShare: number;
  /** The slowest calls, slowest first. */
  slowest: { traceId: string; spanId: string; durationMs: number }[];
}

/** One call repeated at least N times under one parent span (an N+1), per endpoint. */
export interface NPlusOneView {
  /** The endpoint: the service and route of the server (or root) span above the repetitions. */
  service: string;
  endpoint: string;
  kind: 'database' | 'http';
  /** The normalised statement (`postgresql: SELECT …`) or the HTTP call (`GET host/users/{id}`). */
  call: string;
  /** Parent spans with the repetition, and the most repetitions under one of them. */
  occurrences: number;
  maxRepeats: number;
  /** The repeated calls' time in the example. */
  exampleMs: number;
  exampleTraceId: string;
  /** The parent span of the example's repetitions. */
  exampleSpanId: string;
}

/** Per service and route: requests and where their time goes (own code, database, downstream calls). */
export interface EndpointView {
  service: string;
  route: string;
  /** The span name of its requests (what the trace search's operation filter takes). */
  operation: string;
  requests: number;
  errors: number;
  p95Ms: number;
  /** Sums over the requests; own + database + downstream = the requests' total time. */
  totalMs: number;
  ownMs: number;
  databaseMs: number;
  downstreamMs: number;
  slowestTraceId: string;
}

/** A saturation finding from the metrics: a connection pool, memory growth or CPU, with the PromQL of its evidence. */
export interface ResourceFindingView {
  kind: 'pool' | 'memory' | 'cpu';
  service: string;
  /** What it is about beyond the service: a pool's name, a process (`python3 pid 4242`). */
  subject: string;
  /** true: past its threshold (the README's Performance section lists them); false: shown for information. */
  flagged: boolean;
  /** One sentence with the figures. */
  summary: string;
  /** PromQL of the series that show it (for the Metrics view). */
  evidence: string[];
}

/** The golden signals of one service's served spans (server and consumer) in the range, from the RED series. */
export interface GoldenSignalsView {
  service: string;
  requests: number;
  /** Requests per second over the range. */
  rate: number;
  /** Failed requests over requests (0–1), null without requests. */
  errorRatio: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** The longest served span among the spans read (exact, not from buckets); null when none was read. */
  maxMs: number | null;
  /** (satisfied + tolerating / 2) / requests with `apdexT` in seconds; null without requests. */
  apdex: number | null;
  apdexT: number;
}

export interface PerformanceView {
  from: string;
  to: string;
  services: GoldenSignalsView[];
  slowQueries: SlowQueryView[];
  nPlusOne: NPlusOneView[];
  /** The repetitions that make an N+1 (the `nPlusOne` param). */
  nPlusOneMin: number;
  endpoints: EndpointView[];
  resources: ResourceFindingView[];
  /** Spans read for the slow queries, N+1 and endpoints; `complete`: false when the range had more (the newest were read). */
  spansRead: number;
  complete: boolean;
}

/** A route whose p95 moved between the range before and the range ("what changed"). */
export interface RouteChangeView {
  service: string;
  /** The span name of its served spans (the RED series' `span.name`). */
  operation: string;
  p95Ms: number;
  previousP95Ms: number;
  /** p95 over the previous p95 (2 = twice as slow). */
  ratio: number;
  requests: number;
  previousRequests: number;
}

/** A log source that wrote in the range before and nothing in the range. */
export interface QuietSourceView {
  /** sources.id; null for records that came over OTLP. */
  id: number | null;
  name: string;
  previousCount: number;
  /** The last minute it wrote in (RFC 3339). */
  lastSeen: string;
}

/** What changed in a range versus the range of the same length just before it. */
export interface ChangesView {
  from: string;
  to: string;
  previousFrom: string;
  newErrorGroups: ErrorGroupView[];
  newPatterns: PatternView[];
  /** Routes with enough requests in both ranges, the largest moves (either way) first. */
  routes: RouteChangeView[];
  quietSources: QuietSourceView[];
}

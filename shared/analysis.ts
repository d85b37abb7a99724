// What the analysis finds, as the renderer shows it: error groups and their occurrences, log
// patterns, the Performance page (slow queries, N+1 calls, endpoints, resource findings, golden
// signals) and what changed between a range and the one before it.

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

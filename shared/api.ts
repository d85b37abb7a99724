// The one contract between the renderer (or any client) and the engine: requests with typed
// params and results, and subscriptions with typed events. The engine serves it over a
// MessagePort (desktop) or a WebSocket (browser, under `loupe serve`); both carriers move the same
// JSON messages, so the browser tests exercise the desktop's code path.
import type {
  CompactTraceView,
  EngineStatusView,
  ErrorGroupDetailView,
  ErrorGroupStatus,
  ErrorGroupView,
  PatternsView,
  PerformanceView,
  ChangesView,
  HistogramView,
  LogPage,
  LogRecordView,
  MetricSummaryView,
  NumericFacet,
  PromExemplarSeries,
  PromMetricMetadata,
  PromQueryData,
  ServiceMapView,
  ServiceView,
  SourceView,
  TraceSearchView,
  TraceView,
  CountingPart,
  UnindexedPart,
  UnreadPart,
} from './model.js';
import type {
  AlertHistoryEntry,
  LogConditionSpec,
  PromAlertView,
  PromRuleGroupView,
  RulePreview,
  RuleSpec,
  RulesView,
  SentAlertView,
} from './rules.js';
import type { HealthListView, ProbeResultView, ProbeSpec, ProbeView } from './health.js';
import type { SloDetailView, SloListView, SloSpec, SloStatusView } from './slo.js';
import type { AnomaliesView } from './anomalies.js';
import type { Level } from './severity.js';

/** Times in params are RFC 3339 strings (or ms since the epoch as a string), as in the REST API. */
export interface LogQueryParams {
  q?: string;
  from?: string;
  to?: string;
}

/** Prometheus's series selection params: selectors, and the time range (RFC 3339 or Unix seconds; default: the last 6 hours). */
export interface PromMatchParams {
  'match[]'?: string[];
  start?: string | number;
  end?: string | number;
}

/**
 * Count for about `within` ms, then answer with what is counted, newest first, and `counting` when
 * older matches remain (the Logs view's first look at a common word over days). Without it a count
 * is complete, or stopped at the search deadline.
 */
export interface CountWithin {
  within?: number;
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface FacetsView {
  /** Exact counts per level over the whole query and range. */
  levels: FacetValue[];
  /** Counts per logger name (the UI folds them into the dotted tree), from the newest `sampled` matches. */
  loggers: FacetValue[];
  files: FacetValue[];
  services: FacetValue[];
  /**
   * The most common attribute keys, each with its most common values; a key whose values are all
   * numbers, more of them distinct than a value list shows, has `numeric` and no values.
   */
  attributes: { key: string; count: number; values: FacetValue[]; numeric?: NumericFacet }[];
  /** How many of the newest matching records the non-level facets were counted from… */
  sampled: number;
  /** …and whether that was every match (else a sample of the newest). */
  complete: boolean;
  /** Present while some records are not full-text indexed yet (and the search has words): they were scanned. */
  unindexed?: UnindexedPart;
  /** Present while some of the files are not read yet: the counts are of what is stored. */
  unread?: UnreadPart;
  /** Present when older matches are still to count (asked `within` a time): the level counts are then lower bounds. */
  counting?: CountingPart;
}

export interface ContextView {
  before: LogRecordView[];
  record: LogRecordView;
  after: LogRecordView[];
}

export interface FormatView {
  id: string;
  name: string;
}

/** A record as a parser reads it, before it is stored: the preview of a format string or a config's file. */
export interface ParsedPreviewView {
  timestamp: string;
  /** The time was not in the line (taken from the record before, or the read time). */
  timestampInferred?: true;
  level: Level;
  severityText?: string;
  logger?: string;
  message: string;
  attributes?: Record<string, unknown>;
}

/** A pasted format string as a format id (give it as `format` to sources.add / setFormat). */
export interface FormatStringView {
  id: string;
  name: string;
  preview: ParsedPreviewView[];
}

/** What a Python logging config writes, and the sources it added. */
export interface LoggingConfigView {
  handlers: {
    name: string;
    className: string;
    /** The file it writes (absolute); absent for a handler that writes no file. */
    path?: string;
    formatter?: string;
    /** The format id built from its formatter; null: detected. */
    format: string | null;
    formatName?: string;
    /** Why it is not a file source and which Loupe source fits, or why its format is detected. */
    note?: string;
    /** Its line in the config. */
    line: number;
    /** The file's first records as the built parser reads them (when the file exists). */
    preview?: ParsedPreviewView[];
    sourceId?: number;
  }[];
  added: SourceView[];
}

export interface LiveBatch {
  /** New matching records, oldest first. */
  records: LogRecordView[];
  /** Matching records left out because more arrived than a view can draw. */
  skipped: number;
}

/**
 * A trace search. Durations are text like 250ms, 1.5s, 300us (a bare number is ms); `q` takes
 * attribute filters (`http.route:/users/{id}`, `http.response.status_code:>=500`, `db.system:*`),
 * `service:`, `operation:`, `kind:`, `status:` and bare words (the span name contains them).
 */
export interface TraceQueryParams {
  service?: string;
  operation?: string;
  status?: 'error';
  minDuration?: string;
  maxDuration?: string;
  q?: string;
  from?: string;
  to?: string;
  limit?: number;
  /** A previous result's `nextCursor`: the next (older) page of the same search. */
  cursor?: string;
}

/** What `traces.import` stored. */
export interface TraceImportResult {
  /** The traces the file held spans of, in the file's order. */
  traceIds: string[];
  /** Spans stored… */
  spans: number;
  /** …spans that were stored already (skipped)… */
  duplicateSpans: number;
  /** …and spans refused as invalid (bad ids), with the first reason. */
  rejectedSpans: number;
  rejectReason?: string;
}

/** A silence matcher as Alertmanager's API v2 writes it (`isEqual` false: `!=` / `!~`). */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

/** A silence as Alertmanager's `GET /api/v2/silences` answers it (times RFC 3339). */
export interface SilenceView {
  id: string;
  status: { state: 'active' | 'pending' | 'expired' };
  updatedAt: string;
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/**
 * A firing alert the alert manager holds — from a rule, the health checks or the analysis events —
 * as Alertmanager's `GET /api/v2/alerts` answers (times RFC 3339; `inhibitedBy`: fingerprints).
 */
export interface ManagedAlertView {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL: string;
  fingerprint: string;
  receivers: { name: string }[];
  status: { state: 'active' | 'suppressed'; silencedBy: string[]; inhibitedBy: string[] };
}

/** A notification as a page shows it (the `alerts.notifications` topic): replace one of the same `id`. */
export interface AlertNotificationEvent {
  id: string;
  groupId: string;
  kind: 'firing' | 'repeat' | 'escalation' | 'resolved' | 'silence-expiring';
  status: 'firing' | 'resolved';
  title: string;
  body: string;
  urgency: 'low' | 'normal' | 'critical';
  /** Where a click goes: a `#/…` route of the page, or a URL. */
  alertUrl: string;
  atMs: number;
}

/** One delivery of the notification history: what was sent, where, when, and whether it arrived. */
export interface NotificationLogEntry {
  id: number;
  createdAt: string;
  groupKey: string;
  receiver: string;
  /** webhook | command | alertmanager | desktop | browser | none */
  integration: string;
  /** The URL or command line; empty for desktop and browser. */
  target: string;
  kind: AlertNotificationEvent['kind'];
  urgency: AlertNotificationEvent['urgency'];
  title: string;
  status: 'pending' | 'retrying' | 'delivered' | 'failed' | 'skipped' | 'listed';
  attempts: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
  /** The alerts it was about (fingerprint, alertname, status). */
  alerts: { fingerprint: string; alertname: string; status: 'firing' | 'resolved' }[];
}

export interface AcknowledgementView {
  fingerprint: string;
  ackedAt: string;
  ackedBy: string;
  comment: string;
}

export interface Requests {
  'logs.search': { params: LogQueryParams & { limit?: number; cursor?: string; within?: number }; result: LogPage };
  'logs.histogram': { params: LogQueryParams & { buckets?: number } & CountWithin; result: HistogramView };
  'logs.context': { params: { id: number; before?: number; after?: number }; result: ContextView };
  'logs.get': { params: { id: number }; result: LogRecordView };
  'logs.facets': { params: LogQueryParams & CountWithin; result: FacetsView };
  'sources.list': { params: Record<string, never>; result: SourceView[] };
  /** One record of Python's logging.handlers.HTTPHandler: the LogRecord's dict, every value as its str(). */
  'pythonLogging.receive': { params: { record: Record<string, string> }; result: null };
  'sources.get': { params: { id: number }; result: SourceView };
  /**
   * Watch a file or folder (`path`), or scrape a Prometheus endpoint (`kind: 'scrape'`, `url`, with
   * `interval` and `timeout` as durations: 15s, 500ms; `job` names its series, default host:port).
   */
  'sources.add': {
    params: {
      kind?: 'file' | 'scrape';
      path?: string;
      format?: string | null;
      followSymlinks?: boolean;
      url?: string;
      interval?: string;
      timeout?: string;
      job?: string;
    };
    result: SourceView;
  };
  'sources.remove': { params: { id: number }; result: null };
  'sources.setFormat': { params: { id: number; format: string | null }; result: SourceView };
  'formats.list': { params: Record<string, never>; result: FormatView[] };
  /**
   * Read a Python logging config (fileConfig INI, dictConfig YAML/JSON) at `path` or pasted as
   * `text`; add each file handler's file as a source with a parser built from its formatter
   * (`add: false`: only show them). `cwd`: where the program runs (relative file names).
   */
  'sources.fromLoggingConfig': {
    params: { path?: string; text?: string; cwd?: string; add?: boolean };
    result: LoggingConfigView;
  };
  /** A Python Formatter format string (`style` %, { or $, with `datefmt`) or a loguru one as a format id, previewed on `sample`. */
  'formats.fromFormatString': {
    params: { library?: 'python' | 'loguru'; fmt: string; datefmt?: string; style?: '%' | '{' | '$'; sample?: string };
    result: FormatStringView;
  };
  'engine.status': { params: Record<string, never>; result: EngineStatusView };
  /** Answered once the engine is ready. */
  'engine.health': { params: Record<string, never>; result: { status: 'ok' } };
  'traces.search': { params: TraceQueryParams; result: TraceSearchView };
  'traces.get': { params: { traceId: string }; result: TraceView };
  /** The same trace, compact (what the Traces view opens): a fraction of the size and of the parse time. */
  'traces.compact': { params: { traceId: string }; result: CompactTraceView };
  /** Store the spans of an OTLP/JSON document (`{"resourceSpans": …}`, as a trace export writes it), given as its text. */
  'traces.import': { params: { json: string }; result: TraceImportResult };
  /**
   * A Sentry envelope, as an SDK posts it to `/api/{project}/envelope/` (REST: the raw body, gzip or
   * deflate): events become log records with their exception, transactions spans; other items are
   * counted and skipped. Answers the event's id as Sentry does.
   */
  'sentry.envelope': { params: { project: string; body: string }; result: { id: string | null } };
  /** One Sentry event (JSON), as older SDKs post it to `/api/{project}/store/`. */
  'sentry.store': { params: { project: string; body: string }; result: { id: string | null } };
  /** The metrics received, with their series count and newest point. */
  'metrics.list': { params: Record<string, never>; result: MetricSummaryView[] };
  /**
   * PromQL at one instant, as Prometheus's /api/v1/query: `time` is RFC 3339 or Unix seconds (now
   * when absent), `timeout` a duration (capped at SEARCH_DEADLINE_MS).
   */
  'metrics.query': { params: { query: string; time?: string | number; timeout?: string }; result: PromQueryData };
  /** PromQL over a range, as /api/v1/query_range: `step` is seconds or a duration (`15s`). */
  'metrics.queryRange': {
    params: { query: string; start: string | number; end: string | number; step: string | number; timeout?: string };
    result: PromQueryData;
  };
  /** The label sets of the series any `match[]` selector selects (/api/v1/series). */
  'metrics.series': { params: PromMatchParams & { 'match[]': string[] }; result: Record<string, string>[] };
  /** Label names (/api/v1/labels), of the series `match[]` selects when given. */
  'metrics.labels': { params: PromMatchParams; result: string[] };
  /** The values of one label (/api/v1/label/{name}/values); `__name__` gives the metric names. */
  'metrics.labelValues': { params: PromMatchParams & { name: string }; result: string[] };
  /** Type, help and unit per metric family (/api/v1/metadata). */
  'metrics.metadata': { params: { metric?: string; limit?: number }; result: Record<string, PromMetricMetadata[]> };
  /** The exemplars (trace id, span id, value, time) of the series a PromQL query selects (/api/v1/query_exemplars). */
  'metrics.queryExemplars': {
    params: { query: string; start?: string | number; end?: string | number };
    result: PromExemplarSeries[];
  };
  /** The rule groups with their rules' state (Prometheus's GET /api/v1/rules; `type`: alert or record). */
  'alerts.prometheusRules': { params: { type?: string }; result: { groups: PromRuleGroupView[] } };
  /** Every pending and firing alert (Prometheus's GET /api/v1/alerts). */
  'alerts.prometheusAlerts': { params: Record<string, never>; result: { alerts: PromAlertView[] } };
  /** The rule files (their problems, line:col), groups and rules as the Alerts view shows them. */
  'alerts.rules': { params: Record<string, never>; result: RulesView };
  /**
   * Save a rule into the data dir's rule files (group made when missing, with `interval`): in place
   * of the rule named `replaces` (or of its own name) in that group, else added.
   */
  'alerts.rules.save': { params: { group: string; rule: RuleSpec; replaces?: string; interval?: string }; result: RulesView };
  'alerts.rules.delete': { params: { group: string; name: string }; result: RulesView };
  /** An expression (or a log condition) over the `hours` up to `end` (now), and where it would have fired with `for`. */
  'alerts.preview': {
    params: { expr?: string; logs?: LogConditionSpec; for?: string; hours?: number; step?: string; end?: string };
    result: RulePreview;
  };
  /** What the rules sent to the alert manager, newest first (firing alerts at each evaluation, resolutions once). */
  'alerts.sent': { params: Record<string, never>; result: SentAlertView[] };
  /**
   * When alerts fired and resolved (newest first): the stretches overlapping [from, to] (RFC 3339
   * or ms; default the last day), or every stretch of the alert `fingerprint`.
   */
  'alerts.history': { params: { from?: string | number; to?: string | number; fingerprint?: string }; result: AlertHistoryEntry[] };
  /** Services and their operations; with `since`, only operations seen since then. */
  'services.list': { params: { since?: string }; result: ServiceView[] };
  serviceMap: { params: { from?: string; to?: string }; result: ServiceMapView };
  /** The silences, as Alertmanager's GET /api/v2/silences (expired ones too, newest first). */
  'silences.list': { params: Record<string, never>; result: SilenceView[] };
  /**
   * Create a silence (or update the one of `id`), as POST /api/v2/silences: `startsAt` defaults to
   * now; times RFC 3339 or ms since the epoch.
   */
  'silences.create': {
    params: { id?: string; matchers: SilenceMatcher[]; startsAt?: string; endsAt: string; createdBy?: string; comment?: string };
    result: { silenceID: string };
  };
  /** End a silence now (DELETE /api/v2/silence/{id}). */
  'silences.expire': { params: { id: string }; result: null };
  /** Acknowledge firing alerts: no repeat or escalation for them until they resolve (the resolved notice still goes). */
  'alerts.acknowledge': { params: { fingerprints: string[]; by?: string; comment?: string }; result: { acknowledged: string[] } };
  'alerts.unacknowledge': { params: { fingerprints: string[] }; result: { unacknowledged: string[] } };
  'alerts.acknowledgements': { params: Record<string, never>; result: AcknowledgementView[] };
  /** Every firing alert the alert manager holds, muted ones too (Alertmanager's GET /api/v2/alerts). */
  'alerts.managed': { params: Record<string, never>; result: ManagedAlertView[] };
  /** The notification history, newest first; `before`: an id, for the page after one. */
  'notifications.list': { params: { limit?: number; before?: number }; result: NotificationLogEntry[] };
  /** Services with their probes' states, results and uptime; the passive rows from spans; probe suggestions; the probes files' mistakes. */
  'health.list': { params: Record<string, never>; result: HealthListView };
  /**
   * Save a probe into probes.yml in the data dir (fields as the file writes them; defaults filled
   * in), replacing the probe named `replaces` (a rename) or the one of its name; it starts at once.
   */
  'health.save': { params: { probe: Partial<ProbeSpec> & { name: string }; replaces?: string }; result: ProbeView };
  /** Remove a probe from probes.yml, with its history. */
  'health.delete': { params: { name: string }; result: null };
  /** The secrets probes' headers refer to as `${secret:NAME}`: names and when set, never values; where the key is kept. */
  'secrets.list': {
    params: Record<string, never>;
    result: { keptIn: 'keychain' | 'file'; secrets: { name: string; updatedAt: string }[] };
  };
  /** Set a secret (sealed with the key, never shown again). */
  'secrets.set': { params: { name: string; value: string }; result: { name: string; updatedAt: string } };
  'secrets.delete': { params: { name: string }; result: null };
  /** Run a saved probe now (`name`; its result counts), or try one not saved (`probe`, which wins over `name`; nothing kept). */
  'health.testNow': { params: { name?: string; probe?: Partial<ProbeSpec> & { name: string } }; result: ProbeResultView };
  /** The SLOs now (each over its window: SLI, budget, burn rates, projection), with the SLO files' mistakes. */
  'slos.list': { params: Record<string, never>; result: SloListView };
  /** One SLO over its window ending at `to` (now), or over [from, to], with its burn rate and budget step by step. */
  'slos.get': { params: { id: string; from?: string; to?: string }; result: SloDetailView };
  /** Save an SLO into slos.yml, replacing the one of id `replaces` (a rename) or of its own id. */
  'slos.save': { params: { slo: SloSpec; replaces?: string }; result: SloStatusView };
  'slos.delete': { params: { id: string }; result: null };
  /** Add the `kind: SLO` documents of an OpenSLO v1 YAML text to slos.yml (all or none). */
  'slos.import': { params: { text: string }; result: { imported: string[]; skipped: string[] } };
  /** The SLOs (or the one of `id`) as OpenSLO v1 YAML. */
  'slos.export': { params: { id?: string }; result: { text: string } };
  /** An SLO over an explicit range (a session, a load test). */
  'slos.evaluate': { params: { id: string; from: string; to: string }; result: SloStatusView };
  /** An SLO over two ranges side by side ([from, to] against [againstFrom, againstTo]). */
  'slos.compare': {
    params: { id: string; from: string; to: string; againstFrom: string; againstTo: string };
    result: { a: SloStatusView; b: SloStatusView };
  };
  /**
   * Error groups seen in the range (default: the last 24 hours), the newest first; `status`
   * narrows (merged ones are never listed); `buckets` slices the range for the sparklines.
   */
  'errors.list': {
    params: { from?: string; to?: string; status?: ErrorGroupStatus; buckets?: number; limit?: number };
    result: ErrorGroupView[];
  };
  /** One group with its traceback, first, newest and recent occurrences (a merged group's id answers its target). */
  'errors.get': { params: { id: number; from?: string; to?: string; buckets?: number }; result: ErrorGroupDetailView };
  /** Mark resolved (`resolved: false` re-opens): a new occurrence re-opens it as a regression. */
  'errors.resolve': { params: { id: number; resolved?: boolean }; result: ErrorGroupDetailView };
  /** Ignore (`ignored: false` un-ignores): still listed and counted, no new/regressed events. */
  'errors.ignore': { params: { id: number; ignored?: boolean }; result: ErrorGroupDetailView };
  /** Merge group `from` into `into`: its occurrences move, and its fingerprint leads to `into` from now on. */
  'errors.merge': { params: { into: number; from: number }; result: ErrorGroupDetailView };
  /**
   * The log templates of the range (default: the last hour), with counts versus the range just
   * before it; `q` counts only the records of a search (its newest matches, up to a sample).
   * `isNew`: first seen at or after `since` (default: the range's start), or after the last start of
   * the service `sinceStartOf` (its newest SDK resource with a `process.pid`); the answer's `since` is the time used.
   */
  'patterns.list': {
    params: {
      q?: string;
      from?: string;
      to?: string;
      buckets?: number;
      limit?: number;
      sort?: 'count' | 'change';
      since?: string;
      sinceStartOf?: string;
    };
    result: PatternsView;
  };
  /**
   * The Performance page for the range (default: the last hour), optionally of one service: golden
   * signals with Apdex (`apdexT`: `0.5` for all, `checkout=0.2` for one), slow queries, N+1 calls
   * (repeated ≥ `nPlusOne`, default 5, under one parent span), endpoints' time splits, pool/memory/CPU findings.
   */
  'performance.get': {
    params: { from?: string; to?: string; service?: string; nPlusOne?: number; apdexT?: string[]; limit?: number };
    result: PerformanceView;
  };
  /**
   * What changed in the range (default: the last hour) versus the range of the same length before:
   * new error groups, new log templates, routes whose p95 moved most, log sources that went quiet.
   */
  'changes.get': { params: { from?: string; to?: string }; result: ChangesView };
  /**
   * The golden signals' anomalies per service in the range (default the last hour, at most 7
   * days): runs of minutes far from the baseline of the hours before and the same hour yesterday.
   */
  'anomalies.list': { params: { from?: string; to?: string; service?: string }; result: AnomaliesView };
}

export interface Subscriptions {
  'logs.tail': { params: { q: string }; event: LiveBatch };
  /** The alert manager's notifications for pages (its `browser` receivers). */
  'alerts.notifications': { params: Record<string, never>; event: AlertNotificationEvent };
}

export type Method = keyof Requests;
export type Topic = keyof Subscriptions;

/** Client → engine. */
export type ClientMessage =
  | { [M in Method]: { kind: 'request'; id: number; method: M; params: Requests[M]['params'] } }[Method]
  | { [T in Topic]: { kind: 'subscribe'; id: number; topic: T; params: Subscriptions[T]['params'] } }[Topic]
  | { kind: 'unsubscribe'; id: number };

/** Engine → client. `id` is the request's or the subscription's. */
export type ServerMessage =
  | { kind: 'response'; id: number; result: unknown }
  | { kind: 'error'; id: number | null; error: ApiError }
  | { kind: 'event'; id: number; event: unknown };

export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden_host'
  | 'forbidden_origin'
  /** A Sentry key (X-Sentry-Auth's sentry_key) that is not the token (REST: 403, as Sentry's Relay answers). */
  | 'forbidden_key'
  | 'unsupported_media_type'
  | 'not_found'
  | 'method_not_allowed'
  | 'too_large'
  | 'query_syntax'
  /** A history search ran past its deadline (SEARCH_DEADLINE_MS) and was stopped (REST: 503). */
  | 'search_timeout'
  /** A PromQL query that parsed but cannot be evaluated (REST: 422, Prometheus's `execution`). */
  | 'query_execution'
  | 'internal';

/** What every failure says, over the protocol and in REST error bodies. */
export interface ApiError {
  code: ApiErrorCode;
  /** A sentence a user can read. */
  message: string;
  /** For query_syntax: where in the query text the mistake is (0-based), and how long it is. */
  position?: number;
  length?: number;
}

/** The error body every REST endpoint answers with when it fails. */
export interface ApiErrorBody {
  error: ApiError;
}

/** Limits of the local API (named so the README and the tests use the same numbers). */
export const API_LIMITS = {
  /** Largest request body (REST) or protocol message accepted. */
  maxBodyBytes: 64 * 1024,
  /** Largest trace import (traces.import, POST /api/traces/import): the OTLP receiver's body limit. */
  maxImportBytes: 32 * 1024 * 1024,
  /** Live subscriptions one connection may hold. */
  maxSubscriptionsPerConnection: 16,
  /** A connection whose unsent data exceeds this gets its live batches skipped (counted) until it drains. */
  maxSocketBufferBytes: 4 * 1024 * 1024,
  /** A WebSocket whose unread answers exceed this is closed (1008): it sends requests but does not read. */
  maxUnreadBytes: 16 * 1024 * 1024,
} as const;

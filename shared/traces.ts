// Traces and spans as they cross a process boundary: a search's summaries, a trace whole or
// compact (a big trace's waterfall), the services and the service map. Times are RFC 3339 strings
// (µs), with the same as µs numbers where charts need them.

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

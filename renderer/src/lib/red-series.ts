// The RED series Loupe derives from spans (electron/engine/signals/metrics/red/), as the
// OpenTelemetry Collector's spanmetrics connector makes them — `traces.span.metrics.calls` and
// `traces.span.metrics.duration` in ms, per `span.name`, `span.kind`, `status.code` — under
// their PromQL names (OTel names keep their dots: see the README's Metrics naming), and the
// PromQL the service overview asks over them; and the saturation of a service's processes from
// the process scraper's series Loupe samples (electron/engine/signals/metrics/host/). Every name
// and label value the overview depends on is here, in one place.
import { labelName, selector, type LabelFilter } from './promql-selector.js';

/** Calls per service, operation, kind and status (a counter). */
export const CALLS_METRIC = 'traces.span.metrics.calls_total';
/** Span durations (a classic histogram family: `_bucket{le}`, `_sum`, `_count`), in the connector's default unit. */
export const DURATION_FAMILY = 'traces.span.metrics.duration_milliseconds';
export const DURATION_UNIT = 'milliseconds';
export const DURATION_BUCKET_METRIC = `${DURATION_FAMILY}_bucket`;
/** The service (Loupe's label from the resource's `service.name`, as on every OTLP metric). */
export const SERVICE_LABEL = 'service_name';
export const OPERATION_LABEL = 'span.name';
export const KIND_LABEL = 'span.kind';
export const STATUS_LABEL = 'status.code';
/** The spans a service serves (its "requests"): server spans and consumed messages. */
export const SERVED_KINDS = ['SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER'] as const;
export const ERROR_STATUS = 'STATUS_CODE_ERROR';
/** The rate window of the overview, as Grafana's RED dashboards use. */
export const RED_WINDOW = '5m';
export const LATENCY_QUANTILES = [0.5, 0.95, 0.99] as const;

export type RedColumn = 'rate' | 'errors' | 'p50' | 'p95' | 'p99';

/** CPU seconds per process and state (user, system, wait: waiting for disk is no CPU use). */
export const PROCESS_CPU_METRIC = 'process.cpu.time_seconds_total';
export const PROCESS_CPU_STATES = ['user', 'system'] as const;
/** Resident memory per process. */
export const PROCESS_RSS_METRIC = 'process.memory.usage_bytes';

export type SaturationColumn = 'cpu' | 'rss';

/**
 * The saturation of each service's processes (those Loupe ties to it): CPU as a fraction of one
 * core (1.5 = a core and a half busy, as `top` shows 150%) and resident memory, summed over its processes.
 */
export function saturationQueries(): Record<SaturationColumn, string> {
  const group = labelName(SERVICE_LABEL);
  const busy = selector(PROCESS_CPU_METRIC, [{ label: 'state', op: '=~', value: PROCESS_CPU_STATES.join('|') }]);
  return {
    cpu: `sum by (${group}) (rate(${busy}[${RED_WINDOW}]))`,
    rss: `sum by (${group}) (${selector(PROCESS_RSS_METRIC)})`,
  };
}

/** The queries of one overview table: per `by` label, optionally inside one service. */
export function redQueries(by: typeof SERVICE_LABEL | typeof OPERATION_LABEL, service?: string): Record<RedColumn, string> {
  const served: LabelFilter[] = [{ label: KIND_LABEL, op: '=~', value: SERVED_KINDS.join('|') }];
  if (service !== undefined) served.push({ label: SERVICE_LABEL, op: '=', value: service });
  const failed: LabelFilter[] = [...served, { label: STATUS_LABEL, op: '=', value: ERROR_STATUS }];
  const group = labelName(by);
  const calls = `sum by (${group}) (rate(${selector(CALLS_METRIC, served)}[${RED_WINDOW}]))`;
  const errors = `sum by (${group}) (rate(${selector(CALLS_METRIC, failed)}[${RED_WINDOW}]))`;
  const quantile = (q: number): string =>
    `histogram_quantile(${q}, sum by (le, ${group}) (rate(${selector(DURATION_BUCKET_METRIC, served)}[${RED_WINDOW}])))`;
  return {
    rate: calls,
    errors: `${errors} / ${calls}`,
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
  };
}

/** The filters that select one operation's served spans (for its charts, through the explorer's chartSpec). */
export function operationFilters(service: string, operation: string): LabelFilter[] {
  return [
    { label: SERVICE_LABEL, op: '=', value: service },
    { label: OPERATION_LABEL, op: '=', value: operation },
    { label: KIND_LABEL, op: '=~', value: SERVED_KINDS.join('|') },
  ];
}

/** The one-click alert rules on a service (the Metrics view's "Alert…", the Alerts view's rule form). */
export type RedRuleTemplate = 'error-ratio' | 'p95-latency';

/** p95 latency a template starts from (the duration unit: ms); the user sets their own. */
export const DEFAULT_P95_THRESHOLD_MS = 500;

/** A service's name as the start of a rule's name: `check-out.api` → `CheckOutApi`. */
export function ruleNameOf(service: string): string {
  const name = service.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase());
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** A template's rule on one service's served spans: its name, condition (PromQL), `for`, severity and summary. */
export function redRuleTemplate(
  template: RedRuleTemplate,
  service: string,
): { name: string; expr: string; for: string; severity: string; summary: string } {
  const q = redQueries(SERVICE_LABEL, service);
  const camel = ruleNameOf(service);
  if (template === 'error-ratio') {
    return {
      name: `${camel}ErrorRatio`,
      expr: `${q.errors} > 0.05`,
      for: '5m',
      severity: 'P2',
      summary: `{{ $value | humanizePercentage }} of ${service}'s requests fail`,
    };
  }
  return {
    name: `${camel}P95Latency`,
    expr: `${q.p95} > ${DEFAULT_P95_THRESHOLD_MS}`,
    for: '5m',
    severity: 'P3',
    summary: `p95 latency of ${service} is {{ $value | humanize }} ${DURATION_UNIT}`,
  };
}

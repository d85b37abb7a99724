// Metrics: what was received over OTLP, per metric, with its series and newest point; and PromQL
// over it, on the protocol and as Prometheus's HTTP API (/api/v1/*, for Grafana and promtool),
// with the exemplars that link a measurement to its trace.
import { handler } from '../../api/handlers.js';
import { param, required } from '../../api/params.js';
import type { EngineModule, RestRoute } from '../../core/module.js';
import type { ExemplarReader } from '../../signals/metrics/exemplar-reader.js';
import type { MetricReader } from '../../signals/metrics/metric-reader.js';
import type { PrometheusApi } from '../../signals/metrics/prometheus-api.js';

const match = { 'match[]': param.strings, start: param.textOrNumber, end: param.textOrNumber };

/** Prometheus's API answers GET and form-encoded POST alike (Grafana posts), by the token only. */
function prometheusRoutes(path: string, handlerName: RestRoute['handler'], query: readonly string[]): RestRoute[] {
  const common = { path, handler: handlerName, query, shape: 'prometheus', auth: 'token' } as const;
  return [
    { method: 'GET', ...common },
    { method: 'POST', ...common, body: 'form' },
  ];
}

export function metricsModule(metrics: MetricReader, prometheus: PrometheusApi, exemplars: ExemplarReader): EngineModule {
  return {
    name: 'metrics',
    handlers: {
      'metrics.list': handler({}, () => metrics.list()),
      'metrics.query': handler({ query: required(param.string), time: param.textOrNumber, timeout: param.string }, (p) =>
        prometheus.query(p),
      ),
      'metrics.queryRange': handler(
        {
          query: required(param.string),
          start: required(param.textOrNumber),
          end: required(param.textOrNumber),
          step: required(param.textOrNumber),
          timeout: param.string,
        },
        (p) => prometheus.queryRange(p),
      ),
      'metrics.queryExemplars': handler({ query: required(param.string), start: param.textOrNumber, end: param.textOrNumber }, (p) =>
        exemplars.query(p),
      ),
      'metrics.series': handler(match, (p) => prometheus.series(p)),
      'metrics.labels': handler(match, (p) => prometheus.labels(p)),
      'metrics.labelValues': handler({ ...match, name: required(param.string) }, (p) => prometheus.labelValues(p)),
      'metrics.metadata': handler({ metric: param.string, limit: param.int }, (p) => prometheus.metadata(p)),
    },
    routes: [
      { method: 'GET', path: '/api/metrics', handler: 'metrics.list', envelope: 'metrics' },
      ...prometheusRoutes('/api/v1/query', 'metrics.query', ['query', 'time', 'timeout']),
      ...prometheusRoutes('/api/v1/query_range', 'metrics.queryRange', ['query', 'start', 'end', 'step', 'timeout']),
      ...prometheusRoutes('/api/v1/query_exemplars', 'metrics.queryExemplars', ['query', 'start', 'end']),
      ...prometheusRoutes('/api/v1/series', 'metrics.series', ['match[]', 'start', 'end']),
      ...prometheusRoutes('/api/v1/labels', 'metrics.labels', ['match[]', 'start', 'end']),
      {
        method: 'GET',
        path: '/api/v1/label/{name}/values',
        handler: 'metrics.labelValues',
        query: ['match[]', 'start', 'end'],
        shape: 'prometheus',
        auth: 'token',
      },
      {
        method: 'GET',
        path: '/api/v1/metadata',
        handler: 'metrics.metadata',
        query: ['metric', 'limit'],
        shape: 'prometheus',
        auth: 'token',
      },
    ],
  };
}

// Metrics: what was received over OTLP, per metric, with its series and newest point.
import { handler } from '../../api/handlers.js';
import type { EngineModule } from '../../core/module.js';
import type { MetricReader } from '../../store/metric-reader.js';

export function metricsModule(metrics: MetricReader): EngineModule {
  return {
    name: 'metrics',
    handlers: {
      'metrics.list': handler({}, () => metrics.list()),
    },
    routes: [{ method: 'GET', path: '/api/metrics', handler: 'metrics.list', envelope: 'metrics' }],
  };
}

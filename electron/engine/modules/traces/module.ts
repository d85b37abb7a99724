// Traces: search, one trace (whole, or compact for the Traces view), import of an OTLP/JSON
// export, services and the service map, over the stored spans.
import { API_LIMITS } from '../../../../shared/api.js';
import type { CompactTraceView, TraceView } from '../../../../shared/model.js';
import { handler, RawJson } from '../../api/handlers.js';
import { param, required, withDefault } from '../../api/params.js';
import { NotFoundError } from '../../core/errors.js';
import type { EngineModule } from '../../core/module.js';
import type { Db } from '../../core/database.js';
import type { SpanReader } from '../../signals/traces/span-reader.js';
import { importOtlpTraces } from '../../ingest/otlp/trace-import.js';

export function tracesModule(db: Db, traces: SpanReader): EngineModule {
  return {
    name: 'traces',
    handlers: {
      'traces.search': handler(
        {
          service: param.string,
          operation: param.string,
          status: param.string,
          minDuration: param.duration,
          maxDuration: param.duration,
          q: param.string,
          from: param.time,
          to: param.time,
          limit: param.int,
          cursor: param.string,
        },
        ({ minDuration, maxDuration, ...p }) => traces.search({ ...p, minDurationUs: minDuration, maxDurationUs: maxDuration }),
      ),
      'traces.get': handler({ traceId: required(param.string) }, (p) => {
        // The stored JSON text as is: a big trace is not parsed and serialized again.
        const json = traces.getJson(p.traceId);
        if (json === undefined) throw new NotFoundError(`No trace with id ${p.traceId}.`);
        return new RawJson<TraceView>(json);
      }),
      'traces.compact': handler({ traceId: required(param.string) }, (p) => {
        const json = traces.getCompactJson(p.traceId);
        if (json === undefined) throw new NotFoundError(`No trace with id ${p.traceId}.`);
        return new RawJson<CompactTraceView>(json);
      }),
      'traces.import': handler({ json: withDefault(param.string, '') }, (p) => importOtlpTraces(db, p.json)),
      'services.list': handler({ since: param.time }, (p) => traces.services(p.since)),
      serviceMap: handler({ from: param.time, to: param.time }, (p) => traces.serviceMap(p.from, p.to)),
    },
    routes: [
      {
        method: 'GET',
        path: '/api/traces',
        handler: 'traces.search',
        query: ['service', 'operation', 'status', 'minDuration', 'maxDuration', 'q', 'from', 'to', 'limit', 'cursor'],
      },
      // An OTLP/JSON trace export as the body (what the Traces view's Export writes), as large as an OTLP request.
      { method: 'POST', path: '/api/traces/import', handler: 'traces.import', body: { text: 'json', maxBytes: API_LIMITS.maxImportBytes } },
      { method: 'GET', path: '/api/traces/{traceId}', handler: 'traces.get' },
      { method: 'GET', path: '/api/traces/{traceId}/compact', handler: 'traces.compact' },
      { method: 'GET', path: '/api/services', handler: 'services.list', query: ['since'], envelope: 'services' },
      { method: 'GET', path: '/api/service-map', handler: 'serviceMap', query: ['from', 'to'] },
    ],
  };
}

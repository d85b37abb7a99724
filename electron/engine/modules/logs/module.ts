// Logs: search, histogram, facets, a record and its neighbours, and the live tail, over the stored
// log records (whoever wrote them: file sources or OTLP).
import type { LiveBatch } from '../../../../shared/api.js';
import { handler } from '../../api/handlers.js';
import { param, required, withDefault } from '../../api/params.js';
import { NotFoundError } from '../../core/errors.js';
import type { EngineModule } from '../../core/module.js';
import type { LiveTail } from '../../signals/logs/live/live-tail.js';
import { logFacets } from '../../signals/logs/log-facets.js';
import type { LogReader } from '../../signals/logs/log-reader.js';

/** q, from, to: what every logs method narrows by. */
const range = { q: withDefault(param.string, ''), from: param.time, to: param.time };
const RANGE_QUERY = ['q', 'from', 'to'] as const;

export function logsModule(reader: LogReader, live: LiveTail): EngineModule {
  return {
    name: 'logs',
    handlers: {
      'logs.search': handler({ ...range, limit: param.int, cursor: param.string, within: param.int }, (p) => reader.search(p)),
      'logs.histogram': handler({ ...range, buckets: param.int, within: param.int }, (p) => reader.histogram(p)),
      'logs.facets': handler({ ...range, within: param.int }, (p) => logFacets(reader, p)),
      'logs.context': handler({ id: required(param.int), before: withDefault(param.int, 10), after: withDefault(param.int, 10) }, (p) =>
        reader.context(p.id, p.before, p.after),
      ),
      'logs.get': handler({ id: required(param.int) }, (p) => {
        const row = reader.getRow(p.id);
        if (!row) throw new NotFoundError(`No record with id ${p.id}.`);
        return reader.toView(row);
      }),
    },
    topics: {
      'logs.tail': {
        subscribe: (raw, emit, busy) => {
          let skippedWhileBusy = 0;
          return live.subscribe(withDefault(param.string, '').parse(raw.q, 'q'), (batch) => {
            // A client that can't keep up gets counts instead of an ever-growing send buffer.
            if (busy()) {
              skippedWhileBusy += batch.records.length + batch.skipped;
              return;
            }
            const event: LiveBatch = { records: batch.records, skipped: batch.skipped + skippedWhileBusy };
            skippedWhileBusy = 0;
            emit(event);
          });
        },
      },
    },
    routes: [
      { method: 'GET', path: '/api/logs', handler: 'logs.search', query: [...RANGE_QUERY, 'limit', 'cursor', 'within'] },
      { method: 'GET', path: '/api/logs/histogram', handler: 'logs.histogram', query: [...RANGE_QUERY, 'buckets', 'within'] },
      { method: 'GET', path: '/api/logs/facets', handler: 'logs.facets', query: [...RANGE_QUERY, 'within'] },
      { method: 'GET', path: '/api/logs/{id}/context', handler: 'logs.context', query: ['before', 'after'] },
      { method: 'GET', path: '/api/logs/{id}', handler: 'logs.get' },
    ],
    stop: () => live.close(),
  };
}

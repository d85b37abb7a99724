// Analysis: error groups (errors.*), log patterns (patterns.list), the Performance page
// (performance.get) and what changed (changes.get) over REST and the protocol, and their status. The analysis itself (analysis/) follows the event bus from the engine's start.
import { handler } from '../../api/handlers.js';
import { param, required, withDefault } from '../../api/params.js';
import { BadRequestError } from '../../core/errors.js';
import type { EngineModule } from '../../core/module.js';
import type { Analysis } from '../../analysis/analysis.js';
import type { Performance } from '../../analysis/bottlenecks/performance.js';
import type { WhatChanged } from '../../analysis/changes/what-changed.js';
import type { ErrorGroupStatus } from '../../../../shared/model.js';

const STATUSES: readonly string[] = ['unresolved', 'resolved', 'ignored'];

function statusParam(value: string | undefined): ErrorGroupStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if (!STATUSES.includes(value)) throw new BadRequestError(`status: "${value}" is not one of ${STATUSES.join(', ')}`);
  return value as ErrorGroupStatus;
}

function sortParam(value: string | undefined): 'count' | 'change' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'count' && value !== 'change') throw new BadRequestError(`sort: "${value}" is not count or change`);
  return value;
}

export function analysisModule(
  analysis: Analysis,
  views: { performance: Performance; changes: WhatChanged },
  stopListening: () => void,
): EngineModule {
  const range = { from: param.time, to: param.time, buckets: param.int };
  return {
    name: 'analysis',
    handlers: {
      'errors.list': handler({ ...range, status: param.string, limit: param.int }, (p) =>
        analysis.errors.list({ ...p, status: statusParam(p.status) }),
      ),
      'errors.get': handler({ id: required(param.int), ...range }, (p) => analysis.errors.get(p.id, p)),
      'errors.resolve': handler({ id: required(param.int), resolved: withDefault(param.bool, true) }, (p) =>
        analysis.errors.resolve(p.id, p.resolved),
      ),
      'errors.ignore': handler({ id: required(param.int), ignored: withDefault(param.bool, true) }, (p) =>
        analysis.errors.ignore(p.id, p.ignored),
      ),
      'errors.merge': handler({ into: required(param.int), from: required(param.int) }, (p) => analysis.errors.merge(p.into, p.from)),
      'patterns.list': handler(
        { q: param.string, ...range, limit: param.int, sort: param.string, since: param.time, sinceStartOf: param.string },
        (p) => analysis.patterns.list({ ...p, sort: sortParam(p.sort) }),
      ),
      'performance.get': handler(
        { from: param.time, to: param.time, service: param.string, nPlusOne: param.int, apdexT: param.strings, limit: param.int },
        (p) => views.performance.get(p),
      ),
      'changes.get': handler({ from: param.time, to: param.time }, (p) => views.changes.get(p)),
    },
    routes: [
      {
        method: 'GET',
        path: '/api/errors',
        handler: 'errors.list',
        query: ['from', 'to', 'status', 'buckets', 'limit'],
        envelope: 'groups',
      },
      { method: 'GET', path: '/api/errors/{id}', handler: 'errors.get', query: ['from', 'to', 'buckets'] },
      { method: 'POST', path: '/api/errors/{id}/resolve', handler: 'errors.resolve', body: 'fields' },
      { method: 'POST', path: '/api/errors/{id}/ignore', handler: 'errors.ignore', body: 'fields' },
      { method: 'POST', path: '/api/errors/{into}/merge', handler: 'errors.merge', body: 'fields' },
      {
        method: 'GET',
        path: '/api/patterns',
        handler: 'patterns.list',
        query: ['q', 'from', 'to', 'buckets', 'limit', 'sort', 'since', 'sinceStartOf'],
      },
      {
        method: 'GET',
        path: '/api/performance',
        handler: 'performance.get',
        query: ['from', 'to', 'service', 'nPlusOne', 'apdexT', 'limit'],
      },
      { method: 'GET', path: '/api/changes', handler: 'changes.get', query: ['from', 'to'] },
    ],
    status: () => {
      const s = analysis.patterns.status;
      return {
        analysis: {
          templates: s.templates,
          maxTemplates: s.maxTemplates,
          evictedTemplates: s.evicted,
          failures: analysis.failures,
          lastFailure: analysis.lastFailure,
        },
      };
    },
    stop: () => {
      stopListening();
      analysis.patterns.flush();
    },
  };
}

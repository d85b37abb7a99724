import { describe, expect, it } from 'vitest';
import { parseQuery, rollupCondition, simpleFilters, type SourceCatalog } from '../../../electron/engine/signals/logs/query/index.js';
import { FILES, SOURCES } from './fixture.js';

const catalog: SourceCatalog = { sources: SOURCES, files: FILES };
const filters = (q: string, withCatalog = true): ReturnType<typeof simpleFilters> =>
  simpleFilters(parseQuery(q), withCatalog ? catalog : undefined);

describe('simpleFilters', () => {
  it('reads levels', () => {
    expect(filters('')).toEqual({ levels: null, sourceIds: null });
    expect(filters('level:warn+')).toEqual({ levels: [3, 4, 5], sourceIds: null, minSeverity: 13, maxSeverity: 24 });
    expect(filters('level:error OR level:debug')).toEqual({ levels: [1, 4], sourceIds: null });
    expect(filters('-level:info')).toEqual({ levels: [0, 1, 3, 4, 5], sourceIds: null });
  });
  it('reads sources that the rollup can tell apart', () => {
    expect(filters('source:/var/log/app level:error')).toEqual({ levels: [4], sourceIds: [1], minSeverity: 17, maxSeverity: 20 });
    expect(filters('source:*.log')).toEqual({ levels: null, sourceIds: [1, 2, 3] }); // all of source 1's files match too
    expect(filters('-source:worker')).toEqual({ levels: null, sourceIds: [0, 1, 3] });
    expect(filters('source:nothing')).toEqual({ levels: [], sourceIds: [] });
  });
  it('gives up when the rollup cannot answer', () => {
    expect(filters('timeout')).toBeNull();
    expect(filters('level:error status:500')).toBeNull();
    expect(filters('source:db.log')).toBeNull(); // one file of source 1, the rollup counts per source
    expect(filters('level:error OR source:worker')).toBeNull(); // not a product of levels × sources
    expect(filters('source:worker', false)).toBeNull(); // no catalog to decide with
  });
  it('builds the rollup condition', () => {
    expect(rollupCondition({ levels: [3, 4], sourceIds: [1] })).toEqual({
      where: 'level IN (?, ?) AND source_id IN (?)',
      params: [3, 4, 1],
    });
    expect(rollupCondition({ levels: null, sourceIds: null })).toEqual({ where: '1', params: [] });
    expect(rollupCondition({ levels: [], sourceIds: [] }).where).toBe('0 AND 0');
  });
});

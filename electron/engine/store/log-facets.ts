// Facets of a search: exact counts per level (from the histogram's rollups when it can), and
// loggers, files, services and attributes counted over every match up to FACET_EXACT_MAX, else
// over the newest FACET_SAMPLE — a log view's side panel, not a scan of ten million rows.
import type { FacetValue, FacetsView } from '../../../shared/api.js';
import { withSearchDeadline } from '../query/index.js';
import type { LogReader, SearchParams } from './log-reader.js';

/** Up to this many matches, the facets count every one of them (a developer's hour of logs)… */
export const FACET_EXACT_MAX = 20_000;
/** …past it, the newest this many. */
export const FACET_SAMPLE = 5000;
const TOP_VALUES = 10;
const TOP_KEYS = 20;

/** Throws SearchTimeoutError when the counting and the rows together take past SEARCH_DEADLINE_MS. */
export function logFacets(reader: LogReader, p: Omit<SearchParams, 'limit' | 'cursor'>): FacetsView {
  return withSearchDeadline(() => facetsNow(reader, p), reader.deadlineMs);
}

function facetsNow(reader: LogReader, p: Omit<SearchParams, 'limit' | 'cursor'>): FacetsView {
  const levelCounts = new Map(Object.entries(reader.levelTotals(p)));
  const matches = [...levelCounts.values()].reduce((a, n) => a + n, 0);
  // (The level totals can count a little more than the range holds — whole minutes — never less.)
  const exact = matches <= FACET_EXACT_MAX;
  const rows = reader.searchRows(p, exact ? Math.max(matches, 1) : FACET_SAMPLE);
  const loggers = new Map<string, number>();
  const files = new Map<string, number>();
  const services = new Map<string, number>();
  const attrs = new Map<string, { count: number; values: Map<string, number> }>();
  for (const row of rows) {
    if (row.logger !== null) bump(loggers, row.logger);
    if (row.service !== null) bump(services, row.service);
    const view = reader.toView(row);
    if (view.file !== undefined) bump(files, view.file);
    if (view.attributes) {
      for (const [key, value] of Object.entries(view.attributes)) {
        let a = attrs.get(key);
        if (!a) attrs.set(key, (a = { count: 0, values: new Map() }));
        a.count++;
        if (value === null || typeof value !== 'object') bump(a.values, String(value));
      }
    }
  }
  return {
    levels: top(levelCounts, 6),
    loggers: top(loggers, 500),
    files: top(files, 100),
    services: top(services, 100),
    attributes: [...attrs.entries()]
      .sort((a, b) => b[1].count - a[1].count)
      .slice(0, TOP_KEYS)
      .map(([key, a]) => ({ key, count: a.count, values: top(a.values, TOP_VALUES) })),
    sampled: rows.length,
    complete: exact || rows.length < FACET_SAMPLE,
  };
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function top(m: Map<string, number>, n: number): FacetValue[] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([value, count]) => ({ value, count }));
}

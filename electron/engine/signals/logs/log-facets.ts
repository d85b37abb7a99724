// Facets of a search: exact counts per level (from the histogram's rollups when it can), and
// loggers, files, services and attributes counted over every match up to FACET_EXACT_MAX, else
// over the newest FACET_SAMPLE — a log view's side panel, not a scan of ten million rows. Numeric
// attributes with many values (a duration per record) are a range and its spread, not a list.
import type { FacetValue, FacetsView } from '../../../../shared/api.js';
import type { NumericFacet } from '../../../../shared/model.js';
import { withSearchDeadline } from './query/index.js';
import { withinMs } from './request-params.js';
import type { LogReader, SearchParams } from './log-reader.js';
import { levelOf } from '../../../../shared/severity.js';

/** Up to this many matches, the facets count every one of them (a developer's hour of logs)… */
export const FACET_EXACT_MAX = 20_000;
/** …past it, the newest this many. */
export const FACET_SAMPLE = 5000;
/** The least time the rows are read in when the facets are asked within a time (see facetsNow). */
const FACET_ROWS_MIN_MS = 100;
const TOP_VALUES = 10;
const TOP_KEYS = 20;
/** Bins of a numeric attribute's spread (a sparkline's worth). */
const NUMERIC_BINS = 12;

interface AttributeCounts {
  count: number;
  values: Map<string, number>;
  /** Every value seen, while all of them are numbers (null once one is not). */
  numbers: number[] | null;
}

type FacetsParams = Omit<SearchParams, 'limit' | 'cursor'> & { within?: number | undefined };

/** Throws SearchTimeoutError when the counting and the rows together take past SEARCH_DEADLINE_MS. */
export function logFacets(reader: LogReader, p: FacetsParams): FacetsView {
  return withSearchDeadline(() => facetsNow(reader, p), reader.deadlineMs);
}

function facetsNow(reader: LogReader, p: FacetsParams): FacetsView {
  // Asked within a time, the rows are read in what is left of it after the level counts, a
  // quarter of it (FACET_ROWS_MIN_MS) at least: a rare regex's newest 5,000 matches over 100M
  // records take minutes to read (the whole call was stopped at the search deadline), a word's
  // milliseconds.
  const within = withinMs(p.within, reader.deadlineMs);
  const started = performance.now();
  const levels = reader.levelTotals(p);
  let counting = levels.counting;
  let levelCounts = new Map(Object.entries(levels.totals));
  const matches = [...levelCounts.values()].reduce((a, n) => a + n, 0);
  // (The level totals can count a little more than the range holds — whole minutes — never less;
  // while still counting, fewer: then the newest FACET_SAMPLE, as for a search of many matches.)
  const exact = matches <= FACET_EXACT_MAX && !counting;
  const rowsStopAt =
    within === undefined ? undefined : Math.max(started + within, performance.now() + Math.max(within / 4, FACET_ROWS_MIN_MS));
  const { rows, stopped } = reader.facetRows(p, exact ? Math.max(matches, 1) : FACET_SAMPLE, rowsStopAt);
  if (counting && rows.length < FACET_SAMPLE && !stopped) {
    // Every match was read (fewer than asked for): their levels are the exact counts.
    levelCounts = new Map();
    for (const row of rows) bump(levelCounts, levelOf(row.severity));
    counting = undefined;
  }
  const unindexed = reader.unindexedOf(p.q);
  const unread = reader.unreadPart();
  const loggers = new Map<string, number>();
  const files = new Map<string, number>();
  const services = new Map<string, number>();
  const attrs = new Map<string, AttributeCounts>();
  for (const row of rows) {
    if (row.logger !== null) bump(loggers, row.logger);
    if (row.service !== null) bump(services, row.service);
    const file = reader.fileOf(row);
    if (file !== undefined) bump(files, file);
    if (row.attributes !== null) {
      for (const [key, value] of Object.entries(JSON.parse(row.attributes) as Record<string, unknown>)) {
        let a = attrs.get(key);
        if (!a) attrs.set(key, (a = { count: 0, values: new Map(), numbers: [] }));
        a.count++;
        if (value === null || typeof value !== 'object') bump(a.values, String(value));
        if (typeof value === 'number' && Number.isFinite(value)) a.numbers?.push(value);
        else a.numbers = null;
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
      .map(([key, a]) => {
        // Few distinct numbers (HTTP statuses) read well as values; many (durations) do not.
        if (a.numbers && a.values.size > TOP_VALUES) return { key, count: a.count, values: [], numeric: spread(a.numbers) };
        return { key, count: a.count, values: top(a.values, TOP_VALUES) };
      }),
    sampled: rows.length,
    complete: !stopped && (exact || rows.length < FACET_SAMPLE),
    ...(unindexed ? { unindexed } : {}),
    ...(unread ? { unread } : {}),
    ...(counting ? { counting } : {}),
  };
}

function spread(numbers: number[]): NumericFacet {
  let min = Infinity;
  let max = -Infinity;
  for (const n of numbers) {
    if (n < min) min = n;
    if (n > max) max = n;
  }
  const bins = new Array<number>(NUMERIC_BINS).fill(0);
  const width = (max - min) / NUMERIC_BINS;
  for (const n of numbers) {
    const i = width > 0 ? Math.min(NUMERIC_BINS - 1, Math.floor((n - min) / width)) : 0;
    bins[i]!++;
  }
  return { min, max, bins };
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

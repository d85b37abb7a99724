// Prometheus's HTTP API (/api/v1/query, query_range, series, labels, label values, metadata) over
// the SQLite series store: its parameters as Prometheus reads them (times in Unix seconds or RFC
// 3339, steps in seconds or as durations, `match[]` selectors) and its answers' `data`. The
// envelope and the error shapes are the REST router's (`shape: 'prometheus'`); over the protocol
// the same methods answer the same `data`.
import type { PromMetricMetadata, PromQueryData } from '../../../../shared/model.js';
import { BadRequestError } from '../../core/errors.js';
import { SEARCH_DEADLINE_MS, withSearchDeadline } from '../logs/query/index.js';
import { formatResult, instantQuery, parseExpr, PromQLParseError, rangeQuery, type LabelMatcher, type Labels } from './promql/index.js';
import { parseDuration } from './promql/parse.js';
import type { SqliteSeriesStore } from './sqlite-series-store.js';

/** Prometheus refuses a range query with more steps than this. */
const MAX_STEPS = 11_000;

/** Prometheus's `time`/`start`/`end`: Unix seconds (fractions allowed) or RFC 3339 → ms. */
export function parsePromTime(value: string | number, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  const text = String(value).trim();
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // RFC 3339 only: a date and a time with its offset (Date.parse would take much else).
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new BadRequestError(`invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
}

/** Prometheus's `step`/`timeout`: seconds (fractions allowed) or a duration (`15s`, `1m30s`) → ms. */
export function parsePromDuration(value: string | number, name: string): number {
  const text = String(value).trim();
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text) * 1000;
  const ms = parseDuration(text);
  if (ms !== undefined) return ms;
  throw new BadRequestError(`invalid parameter "${name}": cannot parse "${text}" to a valid duration`);
}

/** How long a query may run: the `timeout` asked, never over the engine's search deadline (one thread serves everything). */
function deadlineOf(timeout: string | undefined): number {
  if (timeout === undefined || timeout === '') return SEARCH_DEADLINE_MS;
  const ms = parsePromDuration(timeout, 'timeout');
  return ms > 0 ? Math.min(ms, SEARCH_DEADLINE_MS) : SEARCH_DEADLINE_MS;
}

/** The matchers of a `match[]` selector (`up`, `{job="x"}`, `x{le="1"}`), or bad_data. */
function selectorMatchers(selector: string): LabelMatcher[] {
  let expr;
  try {
    expr = parseExpr(selector);
  } catch (err) {
    if (err instanceof PromQLParseError) throw new BadRequestError(`invalid parameter "match[]": ${err.message}`);
    throw err;
  }
  if (expr.kind !== 'vectorSelector')
    throw new BadRequestError(`invalid parameter "match[]": ${JSON.stringify(selector)} is not a series selector`);
  return [...expr.matchers];
}

export interface MatchParams {
  'match[]'?: string[] | undefined;
  start?: string | number | undefined;
  end?: string | number | undefined;
}

export class PrometheusApi {
  constructor(
    private readonly store: SqliteSeriesStore,
    /** Now, in ms (the engine's clock). */
    private readonly nowMs: () => number,
  ) {}

  query(p: { query: string; time?: string | number | undefined; timeout?: string | undefined }): PromQueryData {
    const timeMs = p.time === undefined || p.time === '' ? this.nowMs() : parsePromTime(p.time, 'time');
    return withSearchDeadline(() => formatResult(instantQuery(this.store, p.query, timeMs)), deadlineOf(p.timeout));
  }

  queryRange(p: {
    query: string;
    start: string | number;
    end: string | number;
    step: string | number;
    timeout?: string | undefined;
  }): PromQueryData {
    const startMs = parsePromTime(p.start, 'start');
    const endMs = parsePromTime(p.end, 'end');
    const stepMs = parsePromDuration(p.step, 'step');
    // Prometheus answers these as bad_data (400), before any evaluation.
    if (endMs < startMs) throw new BadRequestError('invalid parameter "end": end timestamp must not be before start time');
    if (!(stepMs > 0))
      throw new BadRequestError(
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    if ((endMs - startMs) / stepMs > MAX_STEPS) {
      throw new BadRequestError(
        `exceeded maximum resolution of ${MAX_STEPS} points per timeseries. Try decreasing the query resolution (?step=XX)`,
      );
    }
    const run = (): PromQueryData => formatResult(rangeQuery(this.store, p.query, startMs, endMs, stepMs, { maxSteps: MAX_STEPS }));
    return withSearchDeadline(run, deadlineOf(p.timeout));
  }

  series(p: MatchParams): Labels[] {
    if (!p['match[]']?.length) throw new BadRequestError('no match[] parameter provided');
    return this.labelSets(p);
  }

  labels(p: MatchParams): string[] {
    const names = new Set<string>();
    for (const labels of this.labelSets(p)) for (const n of Object.keys(labels)) names.add(n);
    return [...names].sort();
  }

  labelValues(p: MatchParams & { name: string }): string[] {
    const values = new Set<string>();
    for (const labels of this.labelSets(p)) {
      const v = labels[p.name];
      if (v !== undefined) values.add(v);
    }
    return [...values].sort();
  }

  metadata(p: { metric?: string | undefined; limit?: number | undefined }): Record<string, PromMetricMetadata[]> {
    const out: Record<string, PromMetricMetadata[]> = {};
    let n = 0;
    for (const [name, meta] of [...this.store.families()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (p.metric !== undefined && p.metric !== '' && name !== p.metric) continue;
      if (p.limit !== undefined && p.limit >= 0 && n >= p.limit) break;
      out[name] = [meta];
      n++;
    }
    return out;
  }

  /** The label sets `match[]` selects (every series when none is given) with a point in the time range (all time by default). */
  private labelSets(p: MatchParams): Labels[] {
    const startMs = p.start === undefined || p.start === '' ? Number.MIN_SAFE_INTEGER / 1000 : parsePromTime(p.start, 'start');
    const endMs = p.end === undefined || p.end === '' ? Number.MAX_SAFE_INTEGER / 1000 : parsePromTime(p.end, 'end');
    const selectors = p['match[]']?.length ? p['match[]'].map(selectorMatchers) : [[]];
    return withSearchDeadline(() => {
      const byKey = new Map<string, Labels>();
      for (const matchers of selectors) {
        for (const labels of this.store.labelSets(matchers, startMs, endMs)) {
          byKey.set(JSON.stringify(Object.entries(labels).sort()), labels);
        }
      }
      return [...byKey.values()];
    });
  }
}

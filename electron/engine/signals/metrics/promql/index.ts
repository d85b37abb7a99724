// The PromQL engine's public surface: parse, evaluate over a SeriesStore, format for the HTTP API.
export type { Expr, PosRange, ValueType } from './ast.js';
export { parseExpr, PromQLParseError } from './parse.js';
export { instantQuery, rangeQuery, type EngineOptions, type QueryResult } from './engine.js';
export { formatResult, formatValue, type ApiQueryData, type ApiSamplePair } from './format.js';
export { newMatcher, type LabelMatcher, type MatchType } from './matchers.js';
export {
  MemorySeriesStore,
  STALE_NAN,
  isStaleNaN,
  type HistogramSample,
  type Labels,
  type SeriesStore,
  type StoredSeries,
} from './storage.js';
export { PromQLEvalError, type Sample, type Series } from './values.js';

// The functions the engine evaluates, with their argument and result types, so the parser can
// refuse a badly typed call before evaluation (as Prometheus's own parser does).
import type { ValueType } from './ast.js';

export interface FunctionSignature {
  readonly args: readonly ValueType[];
  /** How many trailing arguments may be left out (-1: the last one repeats any number of times). */
  readonly optional: number;
  readonly returns: ValueType;
}

const v = 'vector' as const;
const m = 'matrix' as const;
const s = 'scalar' as const;
const str = 'string' as const;

const instantMath = [
  'abs',
  'ceil',
  'floor',
  'exp',
  'ln',
  'log2',
  'log10',
  'sqrt',
  'sgn',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'tanh',
  'asinh',
  'acosh',
  'atanh',
  'deg',
  'rad',
];
const overTime = [
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'present_over_time',
];
const rangeFns = ['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes', 'absent_over_time'];
const dateFns = ['year', 'month', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute'];

export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map<string, FunctionSignature>([
  ...instantMath.map((name) => [name, { args: [v], optional: 0, returns: v }] as const),
  ...overTime.map((name) => [name, { args: [m], optional: 0, returns: v }] as const),
  ...rangeFns.map((name) => [name, { args: [m], optional: 0, returns: v }] as const),
  ...dateFns.map((name) => [name, { args: [v], optional: 1, returns: v }] as const),
  ['quantile_over_time', { args: [s, m], optional: 0, returns: v }],
  ['predict_linear', { args: [m, s], optional: 0, returns: v }],
  ['histogram_quantile', { args: [s, v], optional: 0, returns: v }],
  ['clamp', { args: [v, s, s], optional: 0, returns: v }],
  ['clamp_min', { args: [v, s], optional: 0, returns: v }],
  ['clamp_max', { args: [v, s], optional: 0, returns: v }],
  ['round', { args: [v, s], optional: 1, returns: v }],
  ['absent', { args: [v], optional: 0, returns: v }],
  ['label_replace', { args: [v, str, str, str, str], optional: 0, returns: v }],
  ['label_join', { args: [v, str, str, str], optional: -1, returns: v }],
  ['vector', { args: [s], optional: 0, returns: v }],
  ['scalar', { args: [v], optional: 0, returns: s }],
  ['time', { args: [], optional: 0, returns: s }],
  ['pi', { args: [], optional: 0, returns: s }],
  ['timestamp', { args: [v], optional: 0, returns: v }],
  ['sort', { args: [v], optional: 0, returns: v }],
  ['sort_desc', { args: [v], optional: 0, returns: v }],
]);

/** Prometheus functions the grammar knows but the engine does not (yet) evaluate. */
export const UNSUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  'holt_winters',
  'double_exponential_smoothing',
  'histogram_count',
  'histogram_sum',
  'histogram_avg',
  'histogram_fraction',
  'histogram_stddev',
  'histogram_stdvar',
  'histogram_quantiles',
  'info',
  'mad_over_time',
  'first_over_time',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
  'sort_by_label',
  'sort_by_label_desc',
  'limitk',
  'limit_ratio',
  'start_timestamp',
  'start',
  'end',
  'range',
  'step',
]);

/** How Prometheus names value types in its error messages. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

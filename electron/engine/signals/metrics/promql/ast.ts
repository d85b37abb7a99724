// Our typed PromQL syntax tree, built from lezer-promql's concrete tree by parse.ts. The evaluator
// only ever sees this: durations already in milliseconds, strings unquoted, regexes compiled.
import type { LabelMatcher } from './matchers.js';

export type ValueType = 'scalar' | 'string' | 'vector' | 'matrix';

/** Character offsets in the query text, end exclusive. */
export interface PosRange {
  readonly start: number;
  readonly end: number;
}

/** `@ <ts>` (ms), `@ start()` or `@ end()`. */
export type AtModifier = { readonly kind: 'time'; readonly ms: number } | { readonly kind: 'start' } | { readonly kind: 'end' };

export interface NumberLiteral {
  readonly kind: 'number';
  readonly value: number;
  readonly pos: PosRange;
}

export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
  readonly pos: PosRange;
}

export interface VectorSelector {
  readonly kind: 'vectorSelector';
  /** The metric name, when given (as identifier, quoted name or `__name__="…"`). */
  readonly name: string | undefined;
  readonly matchers: readonly LabelMatcher[];
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
  readonly pos: PosRange;
}

export interface MatrixSelector {
  readonly kind: 'matrixSelector';
  readonly selector: VectorSelector;
  readonly rangeMs: number;
  readonly pos: PosRange;
}

export interface Subquery {
  readonly kind: 'subquery';
  readonly expr: Expr;
  readonly rangeMs: number;
  /** Undefined when written `[5m:]`: the engine's default resolution applies. */
  readonly stepMs: number | undefined;
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
  readonly pos: PosRange;
}

export interface Call {
  readonly kind: 'call';
  readonly func: string;
  readonly args: readonly Expr[];
  readonly pos: PosRange;
}

export type AggregateOp =
  'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'quantile' | 'count_values';

export interface Aggregate {
  readonly kind: 'aggregate';
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** k of topk/bottomk, φ of quantile, the label name of count_values. */
  readonly param: Expr | undefined;
  readonly grouping: readonly string[];
  readonly without: boolean;
  readonly pos: PosRange;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  readonly card: Cardinality;
  /** `on(…)` when true, `ignoring(…)` (or nothing) when false. */
  readonly on: boolean;
  readonly labels: readonly string[];
  /** Labels copied from the "one" side by `group_left(…)`/`group_right(…)`. */
  readonly include: readonly string[];
}

export interface Binary {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly returnBool: boolean;
  /** Set when both sides are instant vectors. */
  readonly matching: VectorMatching | undefined;
  readonly pos: PosRange;
}

export interface Unary {
  readonly kind: 'unary';
  readonly op: '-' | '+';
  readonly expr: Expr;
  readonly pos: PosRange;
}

export interface Paren {
  readonly kind: 'paren';
  readonly expr: Expr;
  readonly pos: PosRange;
}

export type Expr = NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | Subquery | Call | Aggregate | Binary | Unary | Paren;

export const COMPARISON_OPS: ReadonlySet<string> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);

// PromQL autocomplete for the PromQL box: what the cursor is in, read from lezer-promql's tree of
// the text before it (the grammar Prometheus's own UI completes with; its error recovery gives a
// tree for a half-written query), then the suggestions for it: metric names, functions and
// aggregations in an expression; label names in `{…}` and `by (…)`; label values after `=`, `!=`,
// `=~`, `!~`. Names that are not identifiers (OTel's dotted ones) are inserted quoted
// (`{"http.route"="/x"}`), and a quoted name being typed is completed inside its quotes.
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { escapeLabelValue, labelName } from './promql-build.js';

/** The functions Loupe's engine evaluates (a unit test keeps this list within the engine's). */
export const PROMQL_FUNCTIONS = [
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil', 'changes',
  'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month', 'day_of_week', 'day_of_year',
  'days_in_month', 'deg', 'delta', 'deriv', 'exp', 'floor', 'histogram_quantile', 'hour', 'idelta', 'increase', 'irate',
  'label_join', 'label_replace', 'last_over_time', 'ln', 'log10', 'log2', 'max_over_time', 'min_over_time', 'minute', 'month',
  'pi', 'predict_linear', 'present_over_time', 'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sin',
  'sinh', 'sort', 'sort_desc', 'sqrt', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'tan', 'tanh', 'time',
  'timestamp', 'vector', 'year',
] as const; // prettier-ignore

export const PROMQL_AGGREGATIONS = [
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
] as const;

/** Where the cursor is, and the text it replaces when a suggestion is taken: [from, cursor). */
export type CompletionContext =
  | { kind: 'expression'; from: number; prefix: string }
  /** A metric name written quoted as a selector's first item (`{"app.jo`): completed inside its quotes. */
  | { kind: 'quotedMetric'; from: number; prefix: string }
  | { kind: 'labelName'; from: number; prefix: string; quoted: boolean; metric: string | undefined }
  | { kind: 'labelValue'; from: number; prefix: string; label: string; metric: string | undefined };

export interface Suggestion {
  /** What the list shows. */
  label: string;
  /** What the list shows beside it (a metric's type, "function"). */
  detail: string;
  /** The text put in place of [from, cursor). */
  insert: string;
}

const IDENTIFIER = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A string literal's content as written so far (`"a\"b` → `a"b`), without its quotes. */
function unquote(text: string): string {
  const body = text.replace(/^["'`]/, '').replace(/["'`]$/, '');
  return body.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** The metric a selector names: `x{…}`, or `{"x", …}` (the first quoted name with no operator). */
function metricOf(selector: SyntaxNode | null, text: string): string | undefined {
  if (!selector) return undefined;
  const name = selector.getChild('MetricName') ?? selector.getChild('Identifier');
  if (name) return text.slice(name.from, name.to);
  const first = firstMatcher(selector.getChild('LabelMatchers'));
  if (first?.name === 'QuotedLabelName') return unquote(text.slice(first.from, first.to));
  return undefined;
}

/** The first item of `{…}` (error recovery may put an error node before it). */
function firstMatcher(matchers: SyntaxNode | null): SyntaxNode | null {
  let n = matchers?.firstChild ?? null;
  while (n?.type.isError) n = n.nextSibling;
  return n;
}

function ancestor(node: SyntaxNode | null, name: string): SyntaxNode | null {
  for (let n = node; n; n = n.parent) if (n.name === name) return n;
  return null;
}

/** The selector a `by (…)` groups: the first one inside its aggregation, for its label names. */
function aggregatedMetric(node: SyntaxNode, text: string): string | undefined {
  const aggregate = ancestor(node, 'AggregateExpr');
  if (!aggregate) return undefined;
  const cursor = aggregate.cursor();
  do {
    if (cursor.name === 'VectorSelector') return metricOf(cursor.node, text);
  } while (cursor.next() && cursor.from < aggregate.to);
  return undefined;
}

/** What the cursor at `cursor` in `query` is in, or null where nothing is to be suggested (a number, a duration…). */
export function completionContext(query: string, cursor: number): CompletionContext | null {
  const text = query.slice(0, cursor);
  const node = parser.parse(text).resolveInner(cursor, -1);
  const parent = node.parent;
  const selectorMetric = (): string | undefined => metricOf(ancestor(node, 'VectorSelector'), text);

  // Inside a string: a label value, or a quoted name (a label's, or a metric's in first place).
  if (node.name === 'StringLiteral' && node.to === cursor && !/^(["'`]).*[^\\]\1$|^(["'`])\2$/s.test(text.slice(node.from))) {
    const prefix = unquote(text.slice(node.from));
    if (parent?.name === 'QuotedLabelName') {
      const matchers = parent.parent;
      const first = matchers?.name === 'LabelMatchers' && firstMatcher(matchers)?.from === parent.from;
      const selector = ancestor(node, 'VectorSelector');
      const named = selector?.getChild('MetricName') ?? selector?.getChild('Identifier');
      if (first && !named) return { kind: 'quotedMetric', from: node.from, prefix };
      return { kind: 'labelName', from: node.from, prefix, quoted: true, metric: selectorMetric() };
    }
    const matcher = parent?.name === 'UnquotedLabelMatcher' || parent?.name === 'QuotedLabelMatcher' ? parent : null;
    if (matcher) {
      const nameNode = matcher.getChild('LabelName') ?? matcher.getChild('QuotedLabelName');
      if (!nameNode) return null;
      const label =
        nameNode.name === 'LabelName' ? text.slice(nameNode.from, nameNode.to) : unquote(text.slice(nameNode.from, nameNode.to));
      return { kind: 'labelValue', from: node.from, prefix, label, metric: selectorMetric() };
    }
    return null;
  }
  // Right after a matcher's operator: its value, not yet begun.
  const op = node.name === 'MatchOp' ? node : parent?.name === 'MatchOp' ? parent : null;
  if (op && op.to === cursor) {
    const matcher = op.parent;
    const nameNode = matcher?.getChild('LabelName') ?? matcher?.getChild('QuotedLabelName');
    if (!nameNode) return null;
    const label = nameNode.name === 'LabelName' ? text.slice(nameNode.from, nameNode.to) : unquote(text.slice(nameNode.from, nameNode.to));
    return { kind: 'labelValue', from: cursor, prefix: '', label, metric: selectorMetric() };
  }
  // A label name being typed, or about to be (after `{`, `,`, `by (`).
  if (node.name === 'LabelName' && node.to === cursor) {
    const grouping = parent?.name === 'GroupingLabels';
    const metric = grouping ? aggregatedMetric(node, text) : selectorMetric();
    return { kind: 'labelName', from: node.from, prefix: text.slice(node.from, cursor), quoted: false, metric };
  }
  if ((node.name === 'LabelMatchers' || node.name === 'GroupingLabels') && /[{,(]\s*$/.test(text)) {
    const metric = node.name === 'GroupingLabels' ? aggregatedMetric(node, text) : selectorMetric();
    return { kind: 'labelName', from: cursor, prefix: '', quoted: false, metric };
  }
  // A word in an expression: a metric, a function or an aggregation.
  const word = /[a-zA-Z_:][a-zA-Z0-9_:]*$/.exec(text);
  if (!word || ancestor(node, 'LabelMatchers') || ancestor(node, 'GroupingLabels')) return null;
  if (
    node.name === 'NumberDurationLiteral' ||
    node.name === 'NumberDurationLiteralInDurationContext' ||
    ancestor(node, 'MatrixSelector')?.getChild('NumberDurationLiteralInDurationContext')?.to === cursor
  )
    return null;
  return { kind: 'expression', from: cursor - word[0].length, prefix: word[0] };
}

/** What the engine knows, as the suggestions need it. */
export interface CompletionSource {
  metrics: () => Promise<Record<string, string>>;
  labelNames: (metric: string | undefined) => Promise<string[]>;
  labelValues: (label: string, metric: string | undefined) => Promise<string[]>;
}

/** A name as compared with what is typed: case and OTel's dots aside (`app_task` finds `app.task.duration`). */
const folded = (name: string): string => name.toLowerCase().replace(/\./g, '_');

/** Names that start with the prefix first, then those that contain it. */
function ranked<T extends { label: string }>(items: T[], prefix: string, limit: number): T[] {
  const p = folded(prefix);
  const starts: T[] = [];
  const contains: T[] = [];
  for (const item of items) {
    const l = folded(item.label);
    if (l === p) continue;
    if (l.startsWith(p)) starts.push(item);
    else if (p && l.includes(p)) contains.push(item);
  }
  return [...starts, ...contains].slice(0, limit);
}

/** At most this many suggestions in the list. */
export const MAX_SUGGESTIONS = 50;

/** The suggestions for a context, best first. */
export async function suggestionsFor(ctx: CompletionContext, source: CompletionSource): Promise<Suggestion[]> {
  switch (ctx.kind) {
    case 'expression': {
      const metrics = Object.entries(await source.metrics()).map(([name, type]) => ({
        label: name,
        detail: type,
        // A dotted name is a selector of its own: `{"app.jobs_total"}`.
        insert: IDENTIFIER.test(name) ? name : `{"${escapeLabelValue(name)}"}`,
      }));
      const functions = PROMQL_FUNCTIONS.map((f) => ({ label: f, detail: 'function', insert: `${f}(` }));
      const aggregations = PROMQL_AGGREGATIONS.map((a) => ({ label: a, detail: 'aggregation', insert: `${a}(` }));
      return ranked([...aggregations, ...functions, ...metrics], ctx.prefix, MAX_SUGGESTIONS);
    }
    case 'quotedMetric': {
      const metrics = Object.entries(await source.metrics()).map(([name, type]) => ({
        label: name,
        detail: type,
        insert: `"${escapeLabelValue(name)}"`,
      }));
      return ranked(metrics, ctx.prefix, MAX_SUGGESTIONS);
    }
    case 'labelName': {
      const names = (await source.labelNames(ctx.metric)).filter((n) => n !== '__name__');
      const items = names.map((n) => ({ label: n, detail: 'label', insert: ctx.quoted ? `"${escapeLabelValue(n)}"` : labelName(n) }));
      return ranked(items, ctx.prefix, MAX_SUGGESTIONS);
    }
    case 'labelValue': {
      const values = await source.labelValues(ctx.label, ctx.metric);
      const items = values.map((v) => ({ label: v, detail: ctx.label, insert: `"${escapeLabelValue(v)}"` }));
      return ranked(items, ctx.prefix, MAX_SUGGESTIONS);
    }
  }
}

/** The query with a suggestion taken: [from, cursor) replaced, a closing quote the user typed ahead skipped; and the new cursor. */
export function applySuggestion(query: string, cursor: number, from: number, insert: string): { value: string; cursor: number } {
  let after = query.slice(cursor);
  // Taken inside a literal already begun: the literal's rest, up to its closing quote, goes too.
  if (/["'`]/.test(query[from] ?? '') && from < cursor) after = after.replace(/^(?:[^"\\]|\\.)*"/, '');
  return { value: query.slice(0, from) + insert + after, cursor: from + insert.length };
}

// PromQL selectors as Prometheus 3 writes them: OTel names keep their dots, so names and labels
// that are not plain identifiers are quoted (`{"http.route"="/"}`). Shared by the Metrics view's
// queries and the Alerts view's rule templates over the RED series.

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelFilter {
  label: string;
  op: MatchOp;
  value: string;
}

const IDENTIFIER = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value inside double quotes. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A label name as PromQL takes it: bare when it can be, else quoted (`"http.route"`). */
export function labelName(name: string): string {
  return LABEL_IDENTIFIER.test(name) ? name : `"${escapeLabelValue(name)}"`;
}

/** `name{a="x"}`, or `{"dotted.name", a="x"}` for a name that is not an identifier. */
export function selector(metric: string, filters: readonly LabelFilter[] = []): string {
  const matchers = filters.map((f) => `${labelName(f.label)}${f.op}"${escapeLabelValue(f.value)}"`);
  if (IDENTIFIER.test(metric)) return matchers.length ? `${metric}{${matchers.join(', ')}}` : metric;
  return `{${[`"${escapeLabelValue(metric)}"`, ...matchers].join(', ')}}`;
}

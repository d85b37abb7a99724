// The values an expression evaluates to, and label-set helpers shared by the evaluator parts.
import type { Labels } from './storage.js';

export interface Sample {
  readonly metric: Labels;
  readonly v: number;
  /** The stored sample's own timestamp (ms), kept by selectors for `timestamp()`. */
  readonly t?: number;
}

export interface Point {
  readonly t: number;
  readonly v: number;
}

export interface Series {
  readonly metric: Labels;
  readonly points: Point[];
}

export type Value =
  | { readonly type: 'scalar'; readonly v: number }
  | { readonly type: 'string'; readonly v: string }
  | { readonly type: 'vector'; readonly samples: Sample[] }
  | { readonly type: 'matrix'; readonly series: Series[] };

/** An error while evaluating (as opposed to a parse error): Prometheus answers it as `execution`. */
export class PromQLEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromQLEvalError';
  }
}

/** dropName's answers by label set, so each step of a range query gets the same object (and its cached key). */
const withoutName = new WeakMap<Labels, Labels>();

/** The labels without `__name__` (the same object for the same labels: never change it). */
export function dropName(labels: Labels): Labels {
  if (!('__name__' in labels)) return labels;
  let rest = withoutName.get(labels);
  if (!rest) {
    const { __name__: _dropped, ...others } = labels;
    withoutName.set(labels, (rest = others));
  }
  return rest;
}

/** Prometheus's text form of a label set, as used in its error messages: `{a="1", b="2"}`. */
export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(', ')}}`;
}

/** The labels `by` keeps (only those named) or `without` keeps (all but those named and `__name__`). */
export function groupLabels(labels: Labels, names: readonly string[], without: boolean): Labels {
  const out: Labels = {};
  if (without) {
    for (const [k, v] of Object.entries(labels)) if (k !== '__name__' && !names.includes(k)) out[k] = v;
  } else {
    for (const n of names) {
      const v = labels[n];
      if (v !== undefined && v !== '') out[n] = v;
    }
  }
  return out;
}

/**
 * Label-set lists found unique, by their first label set: a range query checks the same objects
 * in the same order at every step, and then an identity comparison is enough.
 */
const uniqueLists = new WeakMap<Labels, Labels[]>();

/** Throws when two samples share a label set: Prometheus's rule once names were dropped. */
export function assertUniqueLabelSets(samples: readonly Sample[], key: (l: Labels) => string): void {
  if (samples.length < 2) return;
  const known = uniqueLists.get(samples[0]!.metric);
  if (known && known.length === samples.length && samples.every((s, i) => s.metric === known[i])) return;
  const seen = new Set<string>();
  for (const s of samples) {
    const k = key(s.metric);
    if (seen.has(k)) throw new PromQLEvalError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
  uniqueLists.set(
    samples[0]!.metric,
    samples.map((s) => s.metric),
  );
}

// What the PromQL box's autocomplete asks the engine (metric names with their type, label names,
// label values), cached for a while so typing does not ask again at each key: a metric that
// arrives meanwhile shows up at the next ask after CACHE_MS.
import { api } from '../../lib/client.js';
import { selector } from './promql-build.js';
import type { CompletionSource } from './promql-complete.js';

const CACHE_MS = 30_000;

/** One answer per key, kept CACHE_MS; a failed ask is forgotten at once (the next key asks again). */
function cached<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key) => {
    const hit = entries.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
    const value = load(key);
    entries.set(key, { at: Date.now(), value });
    value.catch(() => entries.delete(key));
    return value;
  };
}

/** Metric names, each with its type (histograms under each of their `_bucket`, `_sum`, `_count`). */
const metrics = cached(async () => {
  const [names, metadata] = await Promise.all([
    api.request('metrics.labelValues', { name: '__name__' }),
    api.request('metrics.metadata', {}),
  ]);
  const typeOf = (name: string): string =>
    metadata[name]?.[0]?.type ?? metadata[name.replace(/_(bucket|sum|count|total)$/, '')]?.[0]?.type ?? '';
  return Object.fromEntries(names.map((n) => [n, typeOf(n)]));
});

/** The `match[]` of a metric's series, or none (every series). */
const matchOf = (metric: string): { 'match[]'?: string[] } => (metric ? { 'match[]': [selector(metric)] } : {});

const labelNames = cached((metric) => api.request('metrics.labels', matchOf(metric)));
const labelValues = cached((key) => {
  const [label = '', metric = ''] = JSON.parse(key) as [string, string];
  return api.request('metrics.labelValues', { name: label, ...matchOf(metric) });
});

export const completionSource: CompletionSource = {
  metrics: () => metrics(''),
  labelNames: (metric) => labelNames(metric ?? ''),
  labelValues: (label, metric) => labelValues(JSON.stringify([label, metric ?? ''])),
};

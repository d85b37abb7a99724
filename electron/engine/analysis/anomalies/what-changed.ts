// "What changed": a range against the one of the same length just before it. New error groups and
// new log templates (from the error groups and the pattern miner), the routes whose p95 moved most
// and the log sources and services that went quiet (from the RED and log-volume series, with
// PromQL's increase() over each range, so no table is scanned).
import { usToRfc3339 } from '../../../../shared/time.js';
import type { ChangedRoute, ChangesView, QuietSource } from '../../../../shared/anomalies.js';
import type { ErrorGroupView, PatternsView } from '../../../../shared/model.js';
import { BadRequestError } from '../../core/errors.js';
import { instantQuery, type Labels, type SeriesStore } from '../../signals/metrics/promql/index.js';
import { CALLS_METRIC, DURATION_METRIC } from '../../signals/metrics/red/span-metrics.js';
import { LOG_RECORDS_METRIC } from '../../signals/metrics/red/log-volume.js';
import { DEFAULT_DETECT } from './robust-baseline.js';

export interface WhatChangedDeps {
  store: SeriesStore;
  nowMs(): number;
  errors(p: { from: number; to: number; limit: number }): ErrorGroupView[];
  patterns(p: { from: number; to: number; limit: number }): PatternsView;
}

/** The most of each list answered. */
const MAX_ITEMS = 50;
/** A p95 that moved less than this share is not listed. */
const MIN_P95_CHANGE = 0.2;
/** A source is quiet when its volume fell to this share of the range before, or less. */
const QUIET_SHARE = 0.05;
const SERVED = `"span.kind"=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"`;

/** Each result's value by its labels' key, at `atMs`. */
function vector(store: SeriesStore, query: string, atMs: number, keyOf: (l: Labels) => string): Map<string, { labels: Labels; v: number }> {
  const out = new Map<string, { labels: Labels; v: number }>();
  const r = instantQuery(store, query, atMs);
  if (r.resultType !== 'vector') return out;
  for (const s of r.samples) if (Number.isFinite(s.v)) out.set(keyOf(s.metric), { labels: s.metric, v: s.v });
  return out;
}

export function whatChanged(deps: WhatChangedDeps, p: { from?: number | undefined; to?: number | undefined }): ChangesView {
  const toUs = p.to ?? deps.nowMs() * 1000;
  const fromUs = p.from ?? toUs - 3_600_000_000;
  if (fromUs >= toUs) throw new BadRequestError('from: must be before to.');
  const lengthUs = toUs - fromUs;
  const previousFromUs = fromUs - lengthUs;
  const minEvents = DEFAULT_DETECT.minEvents;

  const newErrors = deps
    .errors({ from: fromUs, to: toUs, limit: 1000 })
    .filter((g) => Date.parse(g.firstSeen) * 1000 >= fromUs)
    .slice(0, MAX_ITEMS)
    .map((g) => ({ id: g.id, title: g.title, firstSeen: g.firstSeen, count: g.countInRange, services: g.services }));
  const newPatterns = deps
    .patterns({ from: fromUs, to: toUs, limit: 1000 })
    .patterns.filter((t) => t.isNew)
    .slice(0, MAX_ITEMS)
    .map((t) => ({ id: t.id, template: t.template, firstSeen: t.firstSeen, count: t.count, levels: t.levels, services: t.services }));

  // Each range's increase, read at its end.
  const window = `${Math.max(1, Math.round(lengthUs / 1_000_000))}s`;
  const at = { current: Math.floor(toUs / 1000), previous: Math.floor(fromUs / 1000) };
  const calls = `{"${CALLS_METRIC}_total", ${SERVED}}`;
  const buckets = `{"${DURATION_METRIC}_milliseconds_bucket", ${SERVED}}`;
  const routeKey = (l: Labels): string => `${l.service_name ?? ''}\u0000${l['span.name'] ?? ''}`;
  const routeCalls = `sum by (service_name, "span.name") (increase(${calls}[${window}]))`;
  const routeP95 = `histogram_quantile(0.95, sum by (le, service_name, "span.name") (increase(${buckets}[${window}])))`;
  const routes: ChangedRoute[] = [];
  const callsNow = vector(deps.store, routeCalls, at.current, routeKey);
  const callsBefore = vector(deps.store, routeCalls, at.previous, routeKey);
  const p95Now = vector(deps.store, routeP95, at.current, routeKey);
  const p95Before = vector(deps.store, routeP95, at.previous, routeKey);
  for (const [key, now] of p95Now) {
    const before = p95Before.get(key);
    const n = callsNow.get(key)?.v ?? 0;
    const m = callsBefore.get(key)?.v ?? 0;
    if (!before || before.v <= 0 || n < minEvents || m < minEvents) continue;
    const ratio = now.v / before.v;
    if (Math.abs(Math.log(ratio)) < Math.log(1 + MIN_P95_CHANGE)) continue;
    routes.push({
      service: now.labels.service_name ?? '',
      route: now.labels['span.name'] ?? '',
      p95: now.v,
      previousP95: before.v,
      ratio,
      calls: Math.round(n),
      previousCalls: Math.round(m),
    });
  }
  routes.sort((a, b) => Math.abs(Math.log(b.ratio)) - Math.abs(Math.log(a.ratio)));

  const quiet: QuietSource[] = [];
  const wentQuiet = (before: number, now: number): boolean => before >= minEvents && now <= before * QUIET_SHARE;
  const sourceKey = (l: Labels): string => `${l.source ?? ''}\u0000${l.service_name ?? ''}`;
  const logs = `sum by (source, service_name) (increase({"${LOG_RECORDS_METRIC}_total"}[${window}]))`;
  const logsNow = vector(deps.store, logs, at.current, sourceKey);
  for (const [key, before] of vector(deps.store, logs, at.previous, sourceKey)) {
    const now = logsNow.get(key)?.v ?? 0;
    if (!wentQuiet(before.v, now)) continue;
    const { source, service_name: service } = before.labels;
    quiet.push({
      kind: 'logs',
      ...(source ? { source } : {}),
      ...(service ? { service } : {}),
      previous: Math.round(before.v),
      current: Math.round(now),
    });
  }
  const served = `sum by (service_name) (increase(${calls}[${window}]))`;
  const servedNow = vector(deps.store, served, at.current, (l) => l.service_name ?? '');
  for (const [service, before] of vector(deps.store, served, at.previous, (l) => l.service_name ?? '')) {
    const now = servedNow.get(service)?.v ?? 0;
    if (service && wentQuiet(before.v, now))
      quiet.push({ kind: 'requests', service, previous: Math.round(before.v), current: Math.round(now) });
  }
  quiet.sort((a, b) => a.kind.localeCompare(b.kind) || b.previous - a.previous);

  return {
    from: usToRfc3339(fromUs),
    to: usToRfc3339(toUs),
    previousFrom: usToRfc3339(previousFromUs),
    previousTo: usToRfc3339(fromUs),
    newErrors,
    newPatterns,
    routes: routes.slice(0, MAX_ITEMS),
    quiet: quiet.slice(0, MAX_ITEMS),
    minEvents,
  };
}

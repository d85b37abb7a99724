// "What changed" for a range versus the range of the same length just before it: error groups and
// log templates first seen in it, the routes whose p95 moved most (the RED duration buckets at the
// two ranges' ends), and the log sources that wrote before and went quiet (the per-minute counts).
import type { ChangesView, QuietSourceView, RouteChangeView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Db } from '../../core/database.js';
import { BadRequestError } from '../../core/errors.js';
import { bucketQuantile, type Bucket } from '../../signals/metrics/promql/histogram.js';
import type { InstantQuery } from '../bottlenecks/metric-findings.js';
import type { ErrorGroups } from '../error-groups/error-groups.js';
import type { LogPatterns } from '../patterns/log-patterns.js';

/** The range when none is given: the last hour. */
const DEFAULT_RANGE_US = 3_600_000_000;
/** A route needs this many requests in each range for its p95 to be compared: three requests make no trend. */
export const MIN_ROUTE_REQUESTS = 20;
/** Moves smaller than this (either way) are no change. */
export const MIN_ROUTE_RATIO = 1.2;
const MAX_ROUTES = 20;
const MAX_LISTED = 50;

const SERVED = `"span.kind"=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"`;
const BY = 'service_name, "span.name"';

export interface ChangesDeps {
  db: Db;
  errors: ErrorGroups;
  patterns: LogPatterns;
  promql: InstantQuery;
  sourcePath: (id: number) => string | undefined;
  nowUs: () => number;
}

export class WhatChanged {
  private readonly sourceCounts;

  constructor(private readonly deps: ChangesDeps) {
    // log_counts keeps every source's records per minute (the histogram's rollup): no scan of logs.
    this.sourceCounts = deps.db.prepare(
      `SELECT source_id AS id, sum(CASE WHEN minute < ? THEN n ELSE 0 END) AS previous,
              sum(CASE WHEN minute >= ? THEN n ELSE 0 END) AS current, max(minute) AS last
       FROM log_counts WHERE minute >= ? AND minute < ? GROUP BY source_id`,
    );
  }

  get(p: { from?: number | undefined; to?: number | undefined }): ChangesView {
    const to = p.to ?? this.deps.nowUs();
    const from = p.from ?? to - DEFAULT_RANGE_US;
    if (!(from < to)) throw new BadRequestError('from: the range must start before it ends');
    const previousFrom = from - (to - from);
    const newErrorGroups = this.deps.errors
      .list({ from, to, limit: 500 })
      .filter((g) => Date.parse(g.firstSeen) * 1000 >= from)
      .slice(0, MAX_LISTED);
    const newPatterns = this.deps.patterns
      .list({ from, to, limit: 500 })
      .patterns.filter((t) => t.isNew)
      .slice(0, MAX_LISTED);
    return {
      from: usToRfc3339(from),
      to: usToRfc3339(to),
      previousFrom: usToRfc3339(previousFrom),
      newErrorGroups,
      newPatterns,
      routes: this.routes(from, to),
      quietSources: this.quietSources(previousFrom, from, to),
    };
  }

  /** p95 and requests per route at the end of each range, over a window as long as the range. */
  private routes(from: number, to: number): RouteChangeView[] {
    const window = `${Math.max(1, Math.round((to - from) / 1e6))}s`;
    const at = (endUs: number): Map<string, { service: string; operation: string; requests: number; p95: number }> => {
      const ms = Math.floor(endUs / 1000);
      const buckets = new Map<string, Bucket[]>();
      const data = this.deps.promql(
        `sum by (${BY}, le) (increase({"traces.span.metrics.duration_milliseconds_bucket", ${SERVED}}[${window}]))`,
        ms,
      );
      if (data.resultType === 'vector') {
        for (const r of data.result) {
          const key = `${r.metric.service_name ?? ''}\u0000${r.metric['span.name'] ?? ''}`;
          const list = buckets.get(key) ?? [];
          list.push({ upperBound: r.metric.le === '+Inf' ? Infinity : Number(r.metric.le), count: Number(r.value[1]) });
          buckets.set(key, list);
        }
      }
      const out = new Map<string, { service: string; operation: string; requests: number; p95: number }>();
      for (const [key, b] of buckets) {
        const [service = '', operation = ''] = key.split('\u0000');
        const requests = b.find((x) => x.upperBound === Infinity)?.count ?? 0;
        out.set(key, { service, operation, requests, p95: bucketQuantile(0.95, b) });
      }
      return out;
    };
    const now = at(to);
    const before = at(from);
    const moved: RouteChangeView[] = [];
    for (const [key, cur] of now) {
      const prev = before.get(key);
      if (!prev || cur.requests < MIN_ROUTE_REQUESTS || prev.requests < MIN_ROUTE_REQUESTS) continue;
      if (!(cur.p95 > 0 && prev.p95 > 0)) continue;
      const ratio = cur.p95 / prev.p95;
      if (ratio < MIN_ROUTE_RATIO && ratio > 1 / MIN_ROUTE_RATIO) continue;
      moved.push({
        service: cur.service,
        operation: cur.operation,
        p95Ms: cur.p95,
        previousP95Ms: prev.p95,
        ratio,
        requests: Math.round(cur.requests),
        previousRequests: Math.round(prev.requests),
      });
    }
    return moved.sort((a, b) => Math.abs(Math.log(b.ratio)) - Math.abs(Math.log(a.ratio))).slice(0, MAX_ROUTES);
  }

  private quietSources(previousFrom: number, from: number, to: number): QuietSourceView[] {
    const rows = this.sourceCounts.all(from, from, previousFrom, to) as { id: number; previous: number; current: number; last: number }[];
    return rows
      .filter((r) => r.previous > 0 && r.current === 0)
      .map((r) => ({
        id: r.id === 0 ? null : r.id,
        name: r.id === 0 ? 'OTLP logs' : (this.deps.sourcePath(r.id) ?? `source ${r.id}`),
        previousCount: r.previous,
        lastSeen: usToRfc3339(r.last),
      }))
      .sort((a, b) => b.previousCount - a.previousCount);
  }
}

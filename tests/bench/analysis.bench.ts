// Pattern mining alone (the Drain miner over the ingest bench's messages, in memory) and its
// grouping accuracy on the labelled sample (tests/fixtures/patterns/labelled.tsv, Loghub's metric)
// and on Loghub's 2k-line sets (tests/fixtures/loghub/) beside Drain's published figures.
// Its cost inside ingest is the ingest part's with/without row (run.ts). Then the bottlenecks'
// span analysis over 100k stored spans, the patterns' "last start of a service" read, and the
// anomalies (baseline job, list, detection quality).
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { dbCallKey, dbSystemOf, httpCallKey } from '../../electron/engine/analysis/bottlenecks/normalise.js';
import { PAGE, PAGE_ROWS, SpanBottleneckReader } from '../../electron/engine/analysis/bottlenecks/span-bottlenecks.js';
import { Drain, type Template } from '../../electron/engine/analysis/patterns/drain.js';
import { Anomalies, BASELINE_JOB_MS } from '../../electron/engine/analysis/anomalies/anomalies.js';
import { baselines, SIGNAL_RULES, SIGNALS, type GoldenSignal } from '../../electron/engine/analysis/anomalies/golden-signals.js';
import { DEFAULT_DETECT, detect, type SignalPoint } from '../../electron/engine/analysis/anomalies/robust-baseline.js';
import type { Clock } from '../../electron/engine/core/clock.js';
import { openDatabase, type Db } from '../../electron/engine/core/database.js';
import { lastProcessStartUs, ResourceStore } from '../../electron/engine/core/resource-store.js';
import type { AttrValue, OtlpMetric, OtlpSpan, ScopeGroup } from '../../electron/engine/core/telemetry.js';
import { MetricWriter } from '../../electron/engine/signals/metrics/metric-writer.js';
import { CALLS_METRIC, DURATION_BOUNDS_MS, DURATION_METRIC } from '../../electron/engine/signals/metrics/red/span-metrics.js';
import { LOG_RECORDS_METRIC } from '../../electron/engine/signals/metrics/red/log-volume.js';
import { SqliteSeriesStore } from '../../electron/engine/signals/metrics/sqlite-series-store.js';
import { SpanWriter } from '../../electron/engine/signals/traces/span-writer.js';
import { groupingAccuracy, labelledSample, LOGHUB_SETS } from '../support/grouping-accuracy.js';
import { noise, uniform } from '../support/seeded-noise.js';
import { percentile, timeIt, type BenchRow } from './bench-row.js';

/** The miner's grouping accuracy on a labelled file (our sample, or a Loghub set), from a fresh miner. */
function accuracyOf(set?: string): { accuracy: number; lines: number; events: number } {
  const lines = labelledSample(set);
  let id = 1;
  const labelled = new Drain<Template>(5000, (tokens) => ({ id: id++, tokens }));
  const events = lines.map((l) => l.event);
  const accuracy = groupingAccuracy(
    events,
    lines.map((l) => labelled.mine(l.message)!.template.id),
  );
  return { accuracy, lines: lines.length, events: new Set(events).size };
}

/** Loghub's 2k-line sets beside Drain's figures on them (logpai/logparser's Drain benchmark; tests/fixtures/loghub/README.md). */
export function benchLoghub(): BenchRow[] {
  return LOGHUB_SETS.map((set) => {
    const r = accuracyOf(set.name);
    return {
      what: `pattern grouping accuracy, Loghub ${set.name}_2k (${r.lines} lines, ${r.events} events)`,
      value: r.accuracy.toFixed(3),
      ceiling: `Drain published ${set.drain}`,
      target: 'report',
    };
  });
}

export function benchPatterns(n: number, message: (i: number) => string): BenchRow[] {
  const messages: string[] = [];
  for (let i = 0; i < n; i++) messages.push(message(i));
  let id = 1;
  const drain = new Drain<Template>(5000, (tokens) => ({ id: id++, tokens }));
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (const m of messages) drain.mine(m);
  const seconds = (performance.now() - t0) / 1000;
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1024 ** 2;
  const own = accuracyOf();
  return [
    {
      what: `Drain mining alone, ${n.toLocaleString('en')} messages`,
      value: `${Math.round(n / seconds).toLocaleString('en')} lines/s, ${drain.size} templates, heap +${heapMb.toFixed(0)} MB`,
      target: 'report',
    },
    {
      what: `pattern grouping accuracy, labelled sample (${own.lines} lines, ${own.events} events)`,
      value: own.accuracy.toFixed(3),
      target: '≥ 0.95',
      ok: own.accuracy >= 0.95,
    },
  ];
}

/**
 * The Performance page's span part (slow queries, N+1, endpoint splits) at query time over 100k
 * stored spans (5,000 traces of 20: a server span, an order query, 12 item queries one by one, 3
 * HTTP calls, 3 in-process spans; the statements carry their literals, each one distinct: the
 * normaliser's worst case, as drivers that record placeholders repeat their texts), against the bare read of the same rows (the ceiling), and the
 * per-span work that computing it at ingest instead would add (attributes parsed, keys normalised).
 */
export function benchBottlenecks(dir: string, spans = 100_000): BenchRow[] {
  const db = openDatabase(join(dir, 'bottlenecks.db'));
  const writer = new SpanWriter(db, new ResourceStore(db));
  const t0 = Date.UTC(2026, 10, 30, 10) * 1000;
  const perTrace = 20;
  const group = { resource: { attributes: { 'service.name': 'shop' } }, scope: { name: 'bench' }, items: [] as OtlpSpan[] };
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  for (let t = 0; t < spans / perTrace; t++) {
    const traceId = hex(t + 1, 32);
    const start = t0 + t * 10_000;
    const span = (i: number, kind: number, from: number, to: number, name: string, attributes: OtlpSpan['attributes']): OtlpSpan => ({
      traceId,
      spanId: hex(t * perTrace + i + 1, 16),
      ...(i > 0 ? { parentSpanId: hex(t * perTrace + 1, 16) } : {}),
      name,
      kind,
      startUs: start + from,
      endUs: start + to,
      attributes,
      events: [],
      links: [],
      statusCode: 0,
      flags: 0,
    });
    const items = group.items;
    items.push(span(0, 2, 0, 9000, 'GET /orders/{id}', { 'http.request.method': 'GET', 'http.route': '/orders/{id}' }));
    items.push(span(1, 3, 100, 900, 'SELECT', { 'db.system': 'postgresql', 'db.statement': `SELECT * FROM orders WHERE id = ${t}` }));
    for (let i = 0; i < 12; i++) {
      const statement = `SELECT * FROM items WHERE order_id = ${t} AND line = ${i}`;
      items.push(span(2 + i, 3, 1000 + i * 300, 1250 + i * 300, 'SELECT', { 'db.system': 'postgresql', 'db.statement': statement }));
    }
    for (let i = 0; i < 3; i++) {
      const url = `http://prices:8080/prices/${t * 3 + i}?currency=EUR`;
      items.push(span(14 + i, 3, 5000 + i * 1000, 5800 + i * 1000, 'GET', { 'http.request.method': 'GET', 'url.full': url }));
    }
    for (let i = 0; i < 3; i++) items.push(span(17 + i, 1, 8000 + i * 300, 8200 + i * 300, `render ${i}`, {}));
    if (items.length >= 10_000) {
      db.transaction(() => writer.write([group]))();
      group.items = [];
    }
  }
  if (group.items.length > 0) db.transaction(() => writer.write([group]))();
  const range = { fromUs: t0, toUs: t0 + (spans / perTrace) * 10_000 };
  const reader = new SpanBottleneckReader(db);
  const bare = db.prepare(
    `SELECT trace_id, span_id, parent_span_id, kind, start_us, end_us, status_code, service, name, attributes
     FROM spans WHERE start_us >= ? AND start_us < ? ORDER BY start_us DESC`,
  );
  const pages = db.prepare(PAGE).pluck();
  let found = 0;
  const read = percentile(
    timeIt(3, () => (found = reader.read(range).nPlusOne.length)),
    50,
  );
  // The ceiling: the same pages read and parsed, nothing analysed.
  const ceiling = percentile(
    timeIt(3, () => {
      let cursor = [range.toUs, 0];
      for (;;) {
        const rows = JSON.parse(pages.get(range.fromUs, cursor[0], cursor[1], PAGE_ROWS) as string) as number[][];
        if (rows.length < PAGE_ROWS) break;
        const last = rows[rows.length - 1]!;
        cursor = [last[5]!, last[0]!];
      }
    }),
    50,
  );
  // Row objects from better-sqlite3 instead: what the JSON pages save.
  const objects = percentile(
    timeIt(3, () => {
      for (const _ of bare.iterate(range.fromUs, range.toUs));
    }),
    50,
  );
  // What ingest would add per span to keep these incrementally (its attributes are parsed already there), before any tree work.
  const parsed = (bare.all(range.fromUs, range.toUs) as { attributes: string | null; name: string; kind: number }[]).map((r) => ({
    ...r,
    attrs: r.attributes === null ? {} : (JSON.parse(r.attributes) as Record<string, AttrValue>),
  }));
  const perSpan = percentile(
    timeIt(3, () => {
      for (const r of parsed) {
        if (dbSystemOf(r.attrs) !== undefined) dbCallKey(r.attrs, r.name);
        else if (r.kind === 3) httpCallKey(r.attrs);
      }
    }),
    50,
  );
  db.close();
  const n = spans.toLocaleString('en');
  return [
    {
      what: `slow queries + N+1 + endpoint splits at query time, ${n} spans`,
      value: `${read.toFixed(0)} ms (${found} N+1 found)`,
      ceiling: `${ceiling.toFixed(0)} ms reading the pages alone`,
      ratio: (read / ceiling).toFixed(1),
      target: 'report',
    },
    {
      what: `the same spans as better-sqlite3 row objects (iterate), ${n} spans`,
      value: `${objects.toFixed(0)} ms`,
      ceiling: `${ceiling.toFixed(0)} ms as JSON pages`,
      ratio: (objects / ceiling).toFixed(1),
      target: 'report',
    },
    {
      what: `at ingest instead: the call keys alone, per span, ${n} spans`,
      value: `${((perSpan / spans) * 1e6).toFixed(0)} ns/span (${Math.round(spans / (perSpan / 1000)).toLocaleString('en')} spans/s)`,
      target: 'report',
    },
  ];
}

/**
 * The Patterns panel's "new since the last start of a service": the start of its newest process
 * (SDK resource with process.pid) read from a big store. `shop` restarted twice and sent only spans
 * (`spans` of them over its three processes: the read scans the spans, having no index by resource);
 * `api` sends metrics too (20 series, a point a minute for a week: the read probes the points' index).
 */
export function benchLastStart(dir: string, spans: number): BenchRow[] {
  const db = openDatabase(join(dir, 'last-start.db'));
  const resources = new ResourceStore(db);
  const spanWriter = new SpanWriter(db, resources);
  const metricWriter = new MetricWriter(db, resources);
  const sdk = { 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.language': 'python' };
  const t0 = Date.UTC(2026, 10, 23) * 1000;
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  const perProcess = Math.ceil(spans / 3);
  for (let pid = 0; pid < 3; pid++) {
    const resource = { attributes: { ...sdk, 'service.name': 'shop', 'process.pid': 100 + pid } };
    for (let done = 0; done < perProcess; done += 10_000) {
      const items: OtlpSpan[] = [];
      for (let i = done; i < Math.min(perProcess, done + 10_000); i++) {
        const n = pid * perProcess + i;
        const startUs = t0 + n * 1000;
        items.push({
          traceId: hex(n + 1, 32),
          spanId: hex(n + 1, 16),
          name: 'GET /orders/{id}',
          kind: 2,
          startUs,
          endUs: startUs + 800,
          attributes: { 'http.route': '/orders/{id}', 'http.response.status_code': 200 },
          events: [],
          links: [],
          statusCode: 0,
          flags: 0,
        });
      }
      db.transaction(() => spanWriter.write([{ resource, scope: { name: 'bench' }, items }]))();
    }
  }
  const api = { attributes: { ...sdk, 'service.name': 'api', 'process.pid': 200 } };
  const weekMinutes = 7 * 24 * 60;
  let points = 0;
  for (let done = 0; done < weekMinutes; done += 1000) {
    db.transaction(() => {
      for (let m = done; m < Math.min(weekMinutes, done + 1000); m++) {
        const base = { startUs: t0, timeUs: t0 + (m + 1) * MINUTE_MS * 1000, flags: 0, exemplars: [] };
        const items = Array.from({ length: 20 }, (_, k) => ({
          name: `api.metric_${k}`,
          type: 'sum' as const,
          temporality: 2,
          monotonic: true,
          points: [{ ...base, attributes: {}, intValue: m }],
        }));
        points += items.length;
        metricWriter.write([{ resource: api, scope: { name: 'bench' }, items }]);
      }
    })();
  }
  let shop: number | undefined;
  let apiStart: number | undefined;
  const fromSpans = percentile(
    timeIt(5, () => (shop = lastProcessStartUs(db, 'shop'))),
    50,
  );
  const fromMetrics = percentile(
    timeIt(5, () => (apiStart = lastProcessStartUs(db, 'api'))),
    50,
  );
  db.close();
  const right = shop === t0 + 2 * perProcess * 1000 && apiStart === t0;
  return [
    {
      what: `last start of a service from its spans alone (scan), ${spans.toLocaleString('en')} spans`,
      value: `${fromSpans.toFixed(1)} ms${right ? '' : ' (WRONG start)'}`,
      target: 'report',
      ok: right,
    },
    {
      what: `last start of a service from its metric points (index), ${points.toLocaleString('en')} points`,
      value: `${fromMetrics.toFixed(2)} ms${right ? '' : ' (WRONG start)'}`,
      target: '< 5 ms',
      ok: right && fromMetrics < 5,
    },
  ];
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const ANOMALY_SERVICES = 20;

/**
 * `days` of the series the anomalies read, for 20 services, a point a minute ending at `endMs`
 * (what the RED derivation and the log volume write, 4× less often): calls (ok and failed), the
 * duration histogram with the connector's buckets, and log records. Returns a writer of one more minute.
 */
function writeGoldenHistory(db: Db, days: number, endMs: number): (minuteMs: number) => void {
  const writer = new MetricWriter(db, new ResourceStore(db));
  const resources = Array.from({ length: ANOMALY_SERVICES }, (_, s) => ({ attributes: { 'service.name': `svc-${s}` } }));
  const ok = new Array<number>(ANOMALY_SERVICES).fill(0);
  const failed = new Array<number>(ANOMALY_SERVICES).fill(0);
  const logs = new Array<number>(ANOMALY_SERVICES).fill(0);
  const buckets = resources.map(() => new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0));
  const sums = new Array<number>(ANOMALY_SERVICES).fill(0);
  const startUs = (endMs - days * DAY_MS - MINUTE_MS) * 1000;
  const served = (status: string): Record<string, string> => ({
    'span.name': 'GET /items/{id}',
    'span.kind': 'SPAN_KIND_SERVER',
    'status.code': status,
  });
  const n = noise(7);
  const minute = (tMs: number): void => {
    const timeUs = tMs * 1000;
    const base = { startUs, timeUs, flags: 0, exemplars: [] };
    writer.write(
      resources.map((resource, s) => {
        const calls = Math.round(600 * (1 + 0.1 * n()));
        const errors = Math.max(0, Math.round(6 + 2 * n()));
        ok[s]! += calls - errors;
        failed[s]! += errors;
        logs[s]! += Math.round(300 * (1 + 0.1 * n()));
        // Most calls 10–50 ms, a tail to 400 ms.
        const b = buckets[s]!;
        b[5]! += Math.round(calls * 0.9);
        b[7]! += Math.round(calls * 0.08);
        b[8]! += calls - Math.round(calls * 0.9) - Math.round(calls * 0.08);
        sums[s]! += calls * 35;
        return {
          resource,
          scope: { name: 'bench' },
          items: [
            {
              name: CALLS_METRIC,
              type: 'sum',
              temporality: 2,
              monotonic: true,
              points: [
                { ...base, attributes: served('STATUS_CODE_UNSET'), intValue: ok[s]! },
                { ...base, attributes: served('STATUS_CODE_ERROR'), intValue: failed[s]! },
              ],
            },
            {
              name: DURATION_METRIC,
              unit: 'ms',
              type: 'histogram',
              temporality: 2,
              monotonic: false,
              points: [
                {
                  ...base,
                  attributes: served('STATUS_CODE_UNSET'),
                  count: b.reduce((x, y) => x + y, 0),
                  sum: sums[s]!,
                  distribution: { bounds: DURATION_BOUNDS_MS, counts: [...b] },
                },
              ],
            },
            {
              name: LOG_RECORDS_METRIC,
              type: 'sum',
              temporality: 2,
              monotonic: true,
              points: [{ ...base, attributes: { level: 'info' }, intValue: logs[s]! }],
            },
          ],
        } satisfies ScopeGroup<OtlpMetric>;
      }),
    );
  };
  const steps = (days * DAY_MS) / MINUTE_MS;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) minute(endMs - (steps - 1 - i) * MINUTE_MS);
  });
  for (let from = 0; from < steps; from += 500) batch(from, Math.min(steps, from + 500));
  return (tMs) => db.transaction(() => minute(tMs))();
}

/** Synthetic per-minute series of each signal: `spikes` with a known spike each (recall), `flat` days of noise (false positives). */
function detectionQuality(spikes: number, flat: number): { found: number; spikes: number; falsePositives: number; flatDays: number } {
  const u = uniform(11);
  const n = noise(12);
  const usual: Record<GoldenSignal, { v: number; spread: number; spike: number }> = {
    request_rate: { v: 10, spread: 0.1, spike: 3 },
    error_ratio: { v: 0.01, spread: 0.3, spike: 5 },
    latency_p95: { v: 120, spread: 0.1, spike: 3 },
    log_rate: { v: 5, spread: 0.1, spike: 3 },
  };
  const series = (minutes: number, signal: GoldenSignal, spike?: { from: number; to: number; times: number }): SignalPoint[] => {
    const { v, spread } = usual[signal];
    return Array.from({ length: minutes }, (_, i) => {
      const inSpike = spike !== undefined && i >= spike.from && i < spike.to;
      return { t: i * MINUTE_MS, v: Math.max(0, v * (inSpike ? spike.times : 1) * (1 + spread * n())), events: 600 };
    });
  };
  const judge = (points: SignalPoint[], signal: GoldenSignal) =>
    detect(points, baselines(points, SIGNAL_RULES[signal], DEFAULT_DETECT.minHistory), SIGNAL_RULES[signal], MINUTE_MS);
  let found = 0;
  let falsePositives = 0;
  for (const signal of SIGNALS) {
    for (let k = 0; k < spikes; k++) {
      // A spike of 3–15 minutes, `spike`× to 3 × `spike`× the usual, somewhere in the last of 8 hours.
      const from = 7 * 60 + Math.floor(u() * 45);
      const spike = { from, to: from + 3 + Math.floor(u() * 13), times: usual[signal].spike * (1 + 2 * u()) };
      const hit = judge(series(8 * 60, signal, spike), signal).some(
        (a) => a.toMs >= spike.from * MINUTE_MS && a.fromMs < spike.to * MINUTE_MS,
      );
      if (hit) found++;
    }
    for (let k = 0; k < flat; k++) falsePositives += judge(series(24 * 60, signal), signal).length;
  }
  return { found, spikes: spikes * SIGNALS.length, falsePositives, flatDays: flat * SIGNALS.length };
}

/**
 * The anomalies: the baseline job's cost per run for 20 services over `days` of stored history (its
 * first run reads the day back; the next ones the minute since), `anomalies.list` over the whole
 * history (the charts' marks on a 7-day range), and detection quality on synthetic series.
 */
export function benchAnomalies(dir: string, quick: boolean): BenchRow[] {
  const days = quick ? 2 : 7;
  const db = openDatabase(join(dir, 'anomalies.db'));
  let nowMs = Math.floor(Date.UTC(2026, 10, 30, 12) / MINUTE_MS) * MINUTE_MS;
  const t0 = performance.now();
  const nextMinute = writeGoldenHistory(db, days, nowMs);
  const writeSeconds = (performance.now() - t0) / 1000;
  const clock = { nowMs: () => nowMs, nowUs: () => nowMs * 1000 } as Clock;
  let written = 0;
  const anomalies = new Anomalies({ store: new SqliteSeriesStore(db), clock, writeSeries: (samples) => (written = samples.length) });
  const first = percentile(
    timeIt(1, () => anomalies.writeBaselines()),
    50,
  );
  const steady = timeIt(5, () => {
    nowMs += MINUTE_MS;
    nextMinute(nowMs);
    anomalies.writeBaselines();
  });
  // The marks of a chart: the list over its range, with the job's memory of the last day (as the
  // engine runs it) and without (a fresh finder: every minute read from the store).
  const store = new SqliteSeriesStore(db);
  const fresh = new Anomalies({ store, clock, writeSeries: () => {} });
  const listOver = (finder: Anomalies, rangeMs: number): number =>
    percentile(
      timeIt(1, () => finder.list({ from: (nowMs - rangeMs) * 1000, to: nowMs * 1000 })),
      50,
    );
  const lists = [3_600_000, DAY_MS].map((rangeMs) => ({ rangeMs, held: listOver(anomalies, rangeMs), fresh: listOver(fresh, rangeMs) }));
  let found = 0;
  const whole = percentile(
    timeIt(1, () => (found = anomalies.list({ from: (nowMs - days * DAY_MS + MINUTE_MS) * 1000, to: nowMs * 1000 }).anomalies.length)),
    50,
  );
  db.close();
  const q = detectionQuality(quick ? 20 : 100, quick ? 5 : 25);
  const recall = q.found / q.spikes;
  return [
    {
      what: `anomalies' baseline job, ${ANOMALY_SERVICES} services, ${days} d of 1-min golden-signal series (written in ${writeSeconds.toFixed(0)} s)`,
      value: `${percentile(steady, 50).toFixed(0)} ms a run (median of 5, each after a new minute; ${written} series written), first run ${first.toFixed(0)} ms (reads the day back)`,
      ceiling: `every ${BASELINE_JOB_MS / 1000} s`,
      ratio: `${((percentile(steady, 50) / BASELINE_JOB_MS) * 100).toFixed(2)} % of a core`,
      target: 'report',
    },
    ...lists.map((l) => ({
      what: `anomalies.list over the last ${l.rangeMs === DAY_MS ? '24 h' : 'hour'}, ${ANOMALY_SERVICES} services (a chart's marks), with the job's memory of the last day`,
      value: `${l.held.toFixed(0)} ms`,
      ceiling: `${l.fresh.toFixed(0)} ms without (every minute read from the store)`,
      ratio: (l.fresh / l.held).toFixed(1),
      target: 'report',
    })),
    {
      what: `anomalies.list over the ${days} d (the longest range), ${ANOMALY_SERVICES} services`,
      value: `${whole.toFixed(0)} ms (${found} found in the noise)`,
      target: 'report',
    },
    {
      what: `anomaly detection on synthetic series: spikes found / flat-noise days with an anomaly`,
      value: `recall ${recall.toFixed(3)} (${q.found}/${q.spikes} spikes of 3–15 min, ×3–9 the usual; error ratio ×5–15), false positives ${q.falsePositives} over ${q.flatDays} days`,
      target: 'recall ≥ 0.95, false positives 0',
      ok: recall >= 0.95 && q.falsePositives === 0,
    },
  ];
}

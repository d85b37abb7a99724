// The Performance page's figures that come from metrics, through PromQL at the range's end over a
// window as long as the range: each service's golden signals from the RED series (rate, error
// ratio, p50/p95/p99 and Apdex from the duration buckets), and the saturation findings: connection
// pools (the semantic conventions' db.client.connection.* and the older db.client.connections.*
// that Python's SQLAlchemy instrumentation sends), memory growth (the RSS slope) and CPU (cores busy).
import type { GoldenSignalsView, PromQueryData, ResourceFindingView } from '../../../../shared/model.js';
import { bucketQuantile, type Bucket } from '../../signals/metrics/promql/histogram.js';

/** Apdex's T (seconds) when a service has none of its own. */
export const DEFAULT_APDEX_T = 0.5;
/** A pool whose connections in use reached this share of its maximum is flagged. */
export const POOL_USED_RATIO = 0.9;
/** A pool whose p95 wait for a connection passed this (seconds) is flagged. */
export const POOL_WAIT_S = 0.01;
/** Memory that grew by this share of its average over the range (and MEMORY_GROWTH_MIN_BYTES) is flagged. */
export const MEMORY_GROWTH_RATIO = 0.1;
export const MEMORY_GROWTH_MIN_BYTES = 20 * 1024 ** 2;
/** Memory growth is judged over ranges of at least this (seconds): a shorter slope is noise. */
export const MEMORY_MIN_RANGE_S = 300;
/** A process busy this many cores at its peak minute is flagged (one core: what a Python process holds with its GIL). */
export const CPU_BUSY_CORES = 0.9;

/** Runs an instant PromQL query at a time in ms (the metrics module's Prometheus API). */
export type InstantQuery = (query: string, timeMs: number) => PromQueryData;

const SERVED = `"span.kind"=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"`;
const CALLS = `{"traces.span.metrics.calls_total", ${SERVED}}`;
const FAILED = `{"traces.span.metrics.calls_total", ${SERVED}, "status.code"="STATUS_CODE_ERROR"}`;
const BUCKETS = `{"traces.span.metrics.duration_milliseconds_bucket", ${SERVED}}`;

/** A label value as a PromQL string (JSON's escapes are PromQL's). */
function quote(value: string): string {
  return JSON.stringify(value);
}

function vector(data: PromQueryData): { metric: Record<string, string>; value: number }[] {
  if (data.resultType !== 'vector') return [];
  return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** A window as PromQL writes it: whole seconds, at least one. */
function window(rangeS: number): string {
  return `${Math.max(1, Math.round(rangeS))}s`;
}

/** How many observations of cumulative buckets were at most `x`, interpolating linearly inside its bucket (as histogram_quantile does). */
export function countAtOrBelow(buckets: readonly Bucket[], x: number): number {
  const sorted = [...buckets].sort((a, b) => a.upperBound - b.upperBound);
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of sorted) {
    if (x >= b.upperBound) {
      lowerBound = b.upperBound;
      lowerCount = b.count;
      continue;
    }
    if (b.upperBound === Infinity) return lowerCount;
    return lowerCount + ((b.count - lowerCount) * (x - lowerBound)) / (b.upperBound - lowerBound);
  }
  return lowerCount;
}

/**
 * Apdex from cumulative buckets (bounds in ms) with T in seconds: satisfied ≤ T, tolerating ≤ 4T,
 * (satisfied + tolerating / 2) / total. A T between bounds is interpolated inside its bucket.
 */
export function apdexOf(buckets: readonly Bucket[], tSeconds: number): number | null {
  const total = buckets.find((b) => b.upperBound === Infinity)?.count ?? 0;
  if (!(total > 0)) return null;
  const satisfied = countAtOrBelow(buckets, tSeconds * 1000);
  const tolerating = countAtOrBelow(buckets, 4 * tSeconds * 1000) - satisfied;
  return (satisfied + tolerating / 2) / total;
}

/** The golden signals of each service with served spans in the window ending at `toMs`. */
export function goldenSignals(
  query: InstantQuery,
  toMs: number,
  rangeS: number,
  apdexT: (service: string) => number,
  maxServedUs: ReadonlyMap<string, number>,
): GoldenSignalsView[] {
  const w = window(rangeS);
  const requests = vector(query(`sum by (service_name) (increase(${CALLS}[${w}]))`, toMs));
  const failed = new Map(
    vector(query(`sum by (service_name) (increase(${FAILED}[${w}]))`, toMs)).map((r) => [r.metric.service_name, r.value]),
  );
  const buckets = new Map<string, Bucket[]>();
  for (const r of vector(query(`sum by (service_name, le) (increase(${BUCKETS}[${w}]))`, toMs))) {
    const service = r.metric.service_name ?? '';
    const le = r.metric.le === '+Inf' ? Infinity : Number(r.metric.le);
    const list = buckets.get(service) ?? [];
    list.push({ upperBound: le, count: r.value });
    buckets.set(service, list);
  }
  const finite = (v: number): number | null => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null);
  return requests
    .filter((r) => r.metric.service_name !== undefined)
    .map((r): GoldenSignalsView => {
      const service = r.metric.service_name!;
      const b = buckets.get(service) ?? [];
      const t = apdexT(service);
      const max = maxServedUs.get(service);
      return {
        service,
        requests: Math.round(r.value),
        rate: r.value / Math.max(1, rangeS),
        errorRatio: r.value > 0 ? Math.min(1, (failed.get(service) ?? 0) / r.value) : null,
        p50Ms: finite(bucketQuantile(0.5, b)),
        p95Ms: finite(bucketQuantile(0.95, b)),
        p99Ms: finite(bucketQuantile(0.99, b)),
        maxMs: max === undefined ? null : max / 1000,
        apdex: apdexOf(b, t),
        apdexT: t,
      };
    })
    .sort((a, b) => b.requests - a.requests);
}

/** A connection pool metric family: the current conventions, or the older ones SQLAlchemy's instrumentation sends. */
interface PoolNames {
  count: string;
  state: string;
  pool: string;
  max: string;
  pending: string;
  /** The wait histogram's bucket series and its unit's factor to seconds. */
  waitBucket: string;
  waitToSeconds: number;
}

const POOL_FAMILIES: readonly PoolNames[] = [
  {
    count: 'db.client.connection.count',
    state: 'db.client.connection.state',
    pool: 'db.client.connection.pool.name',
    max: 'db.client.connection.max',
    pending: 'db.client.connection.pending_requests',
    waitBucket: 'db.client.connection.wait_time_seconds_bucket',
    waitToSeconds: 1,
  },
  {
    count: 'db.client.connections.usage',
    state: 'state',
    pool: 'pool.name',
    max: 'db.client.connections.max',
    pending: 'db.client.connections.pending_requests',
    waitBucket: 'db.client.connections.wait_time_milliseconds_bucket',
    waitToSeconds: 0.001,
  },
];

function poolFindings(query: InstantQuery, toMs: number, w: string): ResourceFindingView[] {
  const found: ResourceFindingView[] = [];
  for (const f of POOL_FAMILIES) {
    const by = `service_name, "${f.pool}"`;
    const used = `{"${f.count}", "${f.state}"="used"}`;
    const key = (m: Record<string, string>): string => `${m.service_name ?? ''}\u0000${m[f.pool] ?? ''}`;
    const peakUsed = vector(query(`max by (${by}) (max_over_time(${used}[${w}]))`, toMs));
    if (peakUsed.length === 0) continue;
    const max = new Map(vector(query(`max by (${by}) (max_over_time({"${f.max}"}[${w}]))`, toMs)).map((r) => [key(r.metric), r.value]));
    const pending = new Map(
      vector(query(`max by (${by}) (max_over_time({"${f.pending}"}[${w}]))`, toMs)).map((r) => [key(r.metric), r.value]),
    );
    const wait = new Map(
      vector(query(`histogram_quantile(0.95, sum by (${by}, le) (increase({"${f.waitBucket}"}[${w}])))`, toMs)).map((r) => [
        key(r.metric),
        r.value * f.waitToSeconds,
      ]),
    );
    for (const u of peakUsed) {
      const k = key(u.metric);
      const service = u.metric.service_name ?? '';
      const pool = u.metric[f.pool] ?? '';
      const limit = max.get(k);
      const waiting = pending.get(k) ?? 0;
      const p95Wait = wait.get(k);
      const full = limit !== undefined && limit > 0 && u.value >= POOL_USED_RATIO * limit;
      const slowWait = p95Wait !== undefined && Number.isFinite(p95Wait) && p95Wait > POOL_WAIT_S;
      const parts = [`up to ${u.value} connections in use${limit !== undefined ? ` of ${limit}` : ''}`];
      if (waiting > 0) parts.push(`up to ${waiting} requests waiting for one`);
      if (p95Wait !== undefined && Number.isFinite(p95Wait)) parts.push(`p95 wait ${(p95Wait * 1000).toFixed(1)} ms`);
      const sel = (name: string): string => `{"${name}", service_name=${quote(service)}, "${f.pool}"=${quote(pool)}}`;
      found.push({
        kind: 'pool',
        service,
        subject: pool,
        flagged: full || waiting > 0 || slowWait,
        summary: parts.join(', '),
        evidence: [sel(f.count), sel(f.max), sel(f.pending)],
      });
    }
  }
  return found;
}

function processSubject(m: Record<string, string>): string {
  return [m['process.executable.name'], m['process.pid'] ? `pid ${m['process.pid']}` : undefined].filter(Boolean).join(' ');
}

function processSelector(name: string, m: Record<string, string>, extra = ''): string {
  const pid = m['process.pid'] ? `, "process.pid"=${quote(m['process.pid'])}` : '';
  const service = m.service_name ? `, service_name=${quote(m.service_name)}` : '';
  return `{"${name}"${service}${pid}${extra}}`;
}

function memoryFindings(query: InstantQuery, toMs: number, rangeS: number, w: string): ResourceFindingView[] {
  const rss = '{"process.memory.usage_bytes"}';
  const average = new Map(vector(query(`avg_over_time(${rss}[${w}])`, toMs)).map((r) => [JSON.stringify(r.metric), r.value]));
  return vector(query(`deriv(${rss}[${w}])`, toMs)).map((r): ResourceFindingView => {
    const avg = average.get(JSON.stringify(r.metric)) ?? 0;
    const growth = r.value * rangeS;
    const mb = (b: number): string => `${(b / 1024 ** 2).toFixed(1)} MB`;
    return {
      kind: 'memory',
      service: r.metric.service_name ?? '',
      subject: processSubject(r.metric),
      flagged: rangeS >= MEMORY_MIN_RANGE_S && growth >= MEMORY_GROWTH_MIN_BYTES && growth >= MEMORY_GROWTH_RATIO * avg,
      summary: `resident memory ${growth >= 0 ? 'grew' : 'shrank'} by ${mb(Math.abs(growth))} over the range (${mb(r.value * 3600)}/h), average ${mb(avg)}`,
      evidence: [processSelector('process.memory.usage_bytes', r.metric)],
    };
  });
}

function cpuFindings(query: InstantQuery, toMs: number, w: string): ResourceFindingView[] {
  const busy = '{"process.cpu.time_seconds_total", state=~"user|system"}';
  const by = 'service_name, "process.pid", "process.executable.name"';
  const average = vector(query(`sum by (${by}) (rate(${busy}[${w}]))`, toMs));
  const peak = new Map(
    vector(query(`max_over_time(sum by (${by}) (rate(${busy}[1m]))[${w}:1m])`, toMs)).map((r) => [JSON.stringify(r.metric), r.value]),
  );
  return average.map((r): ResourceFindingView => {
    const top = peak.get(JSON.stringify(r.metric)) ?? r.value;
    return {
      kind: 'cpu',
      service: r.metric.service_name ?? '',
      subject: processSubject(r.metric),
      flagged: top >= CPU_BUSY_CORES,
      summary: `${r.value.toFixed(2)} cores busy on average, ${top.toFixed(2)} at its busiest minute`,
      evidence: [processSelector('process.cpu.time_seconds_total', r.metric, ', state=~"user|system"')],
    };
  });
}

/** Pools, memory and CPU findings of the window ending at `toMs`, flagged ones first. */
export function resourceFindings(query: InstantQuery, toMs: number, rangeS: number, service?: string): ResourceFindingView[] {
  const w = window(rangeS);
  const all = [...poolFindings(query, toMs, w), ...memoryFindings(query, toMs, rangeS, w), ...cpuFindings(query, toMs, w)];
  return all.filter((f) => service === undefined || f.service === service).sort((a, b) => Number(b.flagged) - Number(a.flagged));
}

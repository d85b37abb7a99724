// Metrics input speed: StatsD datagrams parsed and aggregated per second (the target is
// ≥ 100k/s) against a ceiling measured in the same run (decoding the same datagrams and splitting
// their lines, the least any StatsD reader does), and Prometheus exposition samples parsed per second.
import { performance } from 'node:perf_hooks';
import { parseExposition } from '../../electron/engine/ingest/metrics-in/exposition-parser.js';
import { StatsdAggregator } from '../../electron/engine/ingest/metrics-in/statsd-aggregator.js';
import type { BenchRow } from './bench-row.js';

const ROUTES = ['/api/users/{id}', '/api/orders', '/api/orders/{id}', '/health', '/api/search'];

/** Datagrams like a DogStatsD-instrumented web service sends: tagged counters, timers, gauges. */
function datagrams(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const route = ROUTES[i % ROUTES.length]!;
    const status = i % 17 === 0 ? 500 : 200;
    switch (i % 4) {
      case 0:
        return Buffer.from(`shop.http.requests:1|c|#route:${route},method:GET,status:${status},env:prod`);
      case 1:
        return Buffer.from(`shop.http.duration:${(i % 997) / 3}|ms|#route:${route},method:GET,env:prod`);
      case 2:
        return Buffer.from(`shop.db.pool.in_use:${i % 20}|g|#pool:primary,env:prod`);
      default:
        return Buffer.from(`shop.cache.hits,cache=users,env=prod:1|c\nshop.cache.size,cache=users,env=prod:${i % 5000}|g`);
    }
  });
}

function perSecond(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`;
}

/** The exposition of a service with 5,000 histogram series (what prometheus_client writes). */
function exposition(series: number): string {
  let out = '# HELP http_request_duration_seconds Latency.\n# TYPE http_request_duration_seconds histogram\n';
  const le = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '+Inf'];
  for (let s = 0; s < series / (le.length + 2); s++) {
    const labels = `method="GET",route="/api/items/${s}",status="200"`;
    le.forEach((b, i) => (out += `http_request_duration_seconds_bucket{${labels},le="${b}"} ${s * 10 + i}.0\n`));
    out += `http_request_duration_seconds_count{${labels}} ${s * 10 + 9}.0\nhttp_request_duration_seconds_sum{${labels}} ${s}.25\n`;
  }
  return out;
}

export function benchMetricsIn(quick: boolean): BenchRow[] {
  const n = quick ? 100_000 : 1_000_000;
  const data = datagrams(n);
  const agg = new StatsdAggregator();
  const now = Date.now();
  for (let i = 0; i < 10_000; i++) agg.ingest(data[i]!, now); // warm up the JIT

  let lines = 0;
  let t0 = performance.now();
  for (const d of data) lines += d.toString('utf8').split('\n').length;
  const ceilingMs = performance.now() - t0;

  t0 = performance.now();
  for (let i = 0; i < n; i++) {
    agg.ingest(data[i]!, now);
    if (i % 100_000 === 0) agg.flush(now);
  }
  const ms = performance.now() - t0;
  const rate = (n / ms) * 1000;

  const body = exposition(50_000);
  const samples = parseExposition(body, 'prometheus-text').sampleCount; // warm-up
  t0 = performance.now();
  const rounds = quick ? 3 : 10;
  for (let r = 0; r < rounds; r++) parseExposition(body, 'prometheus-text');
  const parseMs = (performance.now() - t0) / rounds;

  return [
    {
      what: `StatsD datagrams parsed + aggregated (${n.toLocaleString('en')}, ${lines > n ? 'some 2-line' : '1-line'})`,
      value: perSecond(n, ms),
      ceiling: perSecond(n, ceilingMs),
      ratio: (ceilingMs / ms).toFixed(2),
      target: '≥ 100,000/s',
      ok: rate >= 100_000,
    },
    {
      what: `exposition text 0.0.4 parsed (${samples.toLocaleString('en')} samples, ${(body.length / 1e6).toFixed(1)} MB)`,
      value: `${parseMs.toFixed(0)} ms, ${perSecond(samples, parseMs)}`,
      target: 'report',
    },
  ];
}

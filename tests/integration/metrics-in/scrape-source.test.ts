// A Prometheus scrape target as a source, against a real prometheus_client process (Debian's
// python3-prometheus-client): its series land in metric_series / metric_points in the OTLP shape
// (counter -> monotonic cumulative sum starting at `_created`, histogram -> explicit buckets,
// labels -> attributes, job/instance -> the resource), with `up`, `scrape_duration_seconds` and
// `scrape_samples_scraped`; a series that disappears gets a staleness marker; when the process
// stops, `up` goes 0 and the source says why. A target answering HTML or malformed text is an
// error on its source, the other sources go on. And the same through `loupe serve --scrape`.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SourceView } from '../../../shared/model.js';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';
import { NO_RECORDED_VALUE } from '../../../electron/engine/core/telemetry.js';
import { startServe, type ServeProcess } from '../../support/serve-process.js';
import { storedBuckets } from '../../support/stored-buckets.js';

const PYTHON = '/usr/bin/python3';

// One metric of each type on a free port; "drop" on stdin unregisters the `temporary` gauge.
const EXPORTER = String.raw`
import json, socket, sys
from prometheus_client import Counter, Gauge, Histogram, Summary, REGISTRY, start_http_server
c = Counter('requests', 'Requests served.', ['method', 'path'])
c.labels('GET', '/users').inc(3)
Gauge('queue_depth', 'Queue depth.').set(7)
temporary = Gauge('temporary', 'Goes away.')
temporary.set(1)
h = Histogram('latency_seconds', 'Latency.', buckets=(0.1, 0.5, 1.0))
for v in (0.05, 0.3, 2):
    h.observe(v)
Summary('payload_bytes', 'Payload.').observe(100)
s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
start_http_server(port, addr='127.0.0.1')
print(json.dumps({'port': port}), flush=True)
for line in sys.stdin:
    if line.strip() == 'drop':
        REGISTRY.unregister(temporary)
        print('dropped', flush=True)
`;

interface Exporter {
  url: string;
  child: ChildProcessWithoutNullStreams;
  lines: string[];
}

async function startExporter(dir: string): Promise<Exporter> {
  const script = join(dir, 'exporter.py');
  writeFileSync(script, EXPORTER);
  const child = spawn(PYTHON, [script]);
  const lines: string[] = [];
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const done = out.split('\n');
      out = done.pop()!;
      for (const line of done) {
        lines.push(line);
        if (line.startsWith('{')) resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.on('exit', (code) => reject(new Error(`exporter exited with ${code}: ${err}`)));
  });
  return { url: `http://127.0.0.1:${port}/metrics`, child, lines };
}

/** Polls `probe` until it returns a value (bounded: 20 s), then returns it. */
async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface PointRow {
  name: string;
  type: string;
  temporality: number;
  monotonic: number;
  attributes: string | null;
  resource: string;
  start_us: number | null;
  ts: number;
  value: number | null;
  count: number | null;
  sum: number | null;
  distribution: string | null;
  bounds_id: number | null;
  bucket_counts: Uint8Array | null;
  flags: number;
}

function points(engine: Engine, name: string): PointRow[] {
  return engine.db
    .prepare(
      `SELECT s.name, s.type, s.temporality, s.monotonic, s.attributes, r.attributes AS resource, p.start_us, p.ts, p.value, p.count, p.sum, p.distribution, p.bounds_id, p.bucket_counts, p.flags
       FROM metric_points p JOIN metric_series s ON s.id = p.series_id JOIN resources r ON r.id = s.resource_id
       WHERE s.name = ? ORDER BY p.ts, p.id`,
    )
    .all(name) as PointRow[];
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-scrape-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a scrape target of a real prometheus_client', () => {
  let exporter: Exporter;
  let engine: Engine;
  beforeEach(async () => {
    exporter = await startExporter(dir);
    engine = await createEngine({ dataDir: mkdtempSync(join(dir, 'data-')), scrape: [{ url: exporter.url, interval: '300ms' }] });
  });
  afterEach(async () => {
    exporter.child.kill();
    await engine.close();
  });

  it('stores its series in the OTLP shape, marks a vanished series stale, and records up 0 once it stops', async () => {
    const source = await waitFor(
      // (On a loaded machine a first scrape may time out: wait for two, the last one answered.)
      () => engine.sources.list().find((s) => s.kind === 'scrape' && (s.counters?.scrapes ?? 0) >= 2 && s.scrape?.up === 1),
      'two scrapes, the last one answered',
    );
    const instance = new URL(exporter.url).host;
    expect(source).toMatchObject({ path: exporter.url, state: 'watching', scrape: { up: 1, intervalMs: 300, job: instance, instance } });
    expect(source.records).toBeGreaterThan(0);

    const [requests] = points(engine, 'requests');
    expect(requests).toMatchObject({ type: 'sum', temporality: 2, monotonic: 1, value: 3, flags: 0 });
    expect(JSON.parse(requests!.attributes!)).toEqual({ method: 'GET', path: '/users' });
    expect(JSON.parse(requests!.resource)).toMatchObject({ 'service.name': instance, 'service.instance.id': instance });
    // `requests_created` is the start of the cumulative sum: before the scrape, not zero.
    expect(requests!.start_us).toBeGreaterThan(0);
    expect(requests!.start_us!).toBeLessThanOrEqual(requests!.ts);

    const [latency] = points(engine, 'latency_seconds');
    expect(latency).toMatchObject({ type: 'histogram', temporality: 2, count: 3 });
    expect(latency!.sum).toBeCloseTo(2.35);
    expect(storedBuckets(engine.db, latency!)).toEqual({ bounds: [0.1, 0.5, 1], counts: [1, 1, 0, 1] });
    expect(points(engine, 'payload_bytes')[0]).toMatchObject({ type: 'summary', count: 1, sum: 100 });
    expect(points(engine, 'queue_depth')[0]).toMatchObject({ type: 'gauge', value: 7 });
    // `up` and the scrape's own series, as Prometheus records them, at the time of the scrape that stored `requests`.
    const atScrape = (name: string): PointRow | undefined => points(engine, name).find((p) => p.ts === requests!.ts);
    expect(atScrape('up')).toMatchObject({ type: 'gauge', value: 1 });
    expect(atScrape('scrape_samples_scraped')!.value).toBeGreaterThan(10);
    expect(atScrape('scrape_duration_seconds')!.value).toBeGreaterThan(0);

    // The gauge is unregistered: the next scrape lacks it, and writes its staleness marker.
    exporter.child.stdin.write('drop\n');
    const marker = await waitFor(() => points(engine, 'temporary').find((p) => p.flags === NO_RECORDED_VALUE), 'a staleness marker');
    expect(marker.value).toBeNull();
    expect(points(engine, 'queue_depth').every((p) => p.flags === 0)).toBe(true);

    exporter.child.kill();
    const down = await waitFor(() => engine.sources.list().find((s) => s.kind === 'scrape' && s.scrape?.up === 0), 'up 0');
    expect(down.state).toBe('error');
    // Refused, or reset when the kill caught a scrape in flight.
    expect(down.lastError).toMatch(/cannot reach .*(ECONNREFUSED|ECONNRESET)/);
    expect(down.counters).toMatchObject({ failedScrapes: expect.any(Number), 'failed.network': expect.any(Number) });
    expect(points(engine, 'up').at(-1)!.value).toBe(0);
    // Every series of the last good scrape is stale now, as Prometheus marks a target that went away.
    expect(points(engine, 'requests').at(-1)!.flags).toBe(NO_RECORDED_VALUE);
    expect(points(engine, 'latency_seconds').at(-1)!.flags).toBe(NO_RECORDED_VALUE);
  });
});

describe('scrape targets that answer something else than metrics', () => {
  let server: Server;
  let base: string;
  let engine: Engine;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><head><title>Welcome</title></head></html>');
      } else if (req.url === '/broken') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE ok gauge\nok 1\nbad line here\n');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE ok gauge\nok 1\n');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    engine = await createEngine({ dataDir: mkdtempSync(join(dir, 'data-')) });
  });
  afterAll(async () => {
    await engine.close();
    server.close();
  });

  it('puts the error on the source with a counter, and the good target next to it goes on', async () => {
    const add = (url: string): Promise<SourceView> => engine.api.table.request('sources.add', { kind: 'scrape', url, interval: '200ms' });
    const html = await add(`${base}/html`);
    const broken = await add(`${base}/broken`);
    const good = await add(`${base}/ok`);
    expect(html).toMatchObject({ kind: 'scrape', scrape: { intervalMs: 200, timeoutMs: 200 } });
    const failed = async (id: number): Promise<SourceView | undefined> => {
      const v = await engine.api.table.request('sources.get', { id });
      return (v.counters?.failedScrapes ?? 0) >= 2 ? v : undefined;
    };
    const htmlView = await waitFor(() => failed(html.id), 'the HTML target to fail');
    expect(htmlView).toMatchObject({ state: 'error', scrape: { up: 0 }, counters: { 'failed.html': expect.any(Number) } });
    expect(htmlView.lastError).toMatch(/HTML page \("Welcome"\)/);
    const brokenView = await waitFor(() => failed(broken.id), 'the malformed target to fail');
    expect(brokenView.lastError).toMatch(/malformed: line 3/);
    expect(brokenView.counters?.['failed.parse']).toBeGreaterThanOrEqual(2);
    const goodView = await engine.api.table.request('sources.get', { id: good.id });
    expect(goodView).toMatchObject({ state: 'watching', scrape: { up: 1 } });
  });

  it('refuses a target it could never scrape, saying why', async () => {
    const add = (params: Record<string, string>): Promise<unknown> => engine.api.table.call('sources.add', { kind: 'scrape', ...params });
    await expect(add({ url: 'ftp://example/metrics' })).rejects.toThrow(/not an http\(s\) URL/);
    await expect(add({ url: `${base}/ok`, interval: '1s', timeout: '5s' })).rejects.toThrow(/longer than the interval/);
    await expect(add({ url: `${base}/ok`, interval: 'often' })).rejects.toThrow(/interval: "often" is not a duration/);
    await expect(
      engine.api.table.call('sources.setFormat', { id: (await engine.api.table.request('sources.list', {}))[0]!.id, format: 'json' }),
    ).rejects.toThrow(/only file and folder sources have a format/);
  });
});

describe('loupe serve --scrape', () => {
  let exporter: Exporter;
  let serve: ServeProcess;
  afterAll(async () => {
    await serve?.stop();
    exporter?.child.kill();
  });

  it('scrapes the URL at the interval given, says so in the banner, lists it, and keeps it for the next serve', async () => {
    exporter = await startExporter(dir);
    const dataDir = mkdtempSync(join(dir, 'data-'));
    serve = await startServe(['--data-dir', dataDir, '--no-otlp', '--scrape', `${exporter.url}@250ms`]);
    expect(serve.output()).toContain(`scraping: ${exporter.url} every 0.25s`);
    const scraped = await waitFor(async () => {
      const { sources } = await serve.get<{ sources: SourceView[] }>('/api/sources');
      const s = sources.find((v) => v.kind === 'scrape');
      return s?.scrape?.up === 1 ? s : undefined;
    }, 'the target to be up');
    expect(scraped).toMatchObject({ path: exporter.url, state: 'watching' });
    const { metrics } = await serve.get<{ metrics: { name: string }[] }>('/api/metrics');
    expect(metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['requests', 'latency_seconds', 'up']));
    await serve.stop();

    serve = await startServe(['--data-dir', dataDir, '--no-otlp']);
    const { sources } = await serve.get<{ sources: SourceView[] }>('/api/sources');
    expect(sources).toMatchObject([{ kind: 'scrape', path: exporter.url, scrape: { intervalMs: 250 } }]);
  });
});

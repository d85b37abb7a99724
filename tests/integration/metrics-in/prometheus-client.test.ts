// A real prometheus_client process (Debian's python3-prometheus-client) serves its metrics over
// HTTP; scrapeTarget fetches them as Prometheus asks for them, and the parsers read them back in
// both formats. Its multiprocess mode (PROMETHEUS_MULTIPROC_DIR + MultiProcessCollector) too.
// A missing module fails the suite: it never skips.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../../../electron/engine/ingest/metrics-in/exposition-parser.js';
import { formatOfContentType, PROMETHEUS_ACCEPT } from '../../../electron/engine/ingest/metrics-in/negotiation.js';
import { ScrapeError, scrapeTarget } from '../../../electron/engine/ingest/metrics-in/scrape.js';
import type { MetricFamily } from '../../../electron/engine/ingest/metrics-in/model.js';

const PYTHON = '/usr/bin/python3';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const ESCAPED_PATH = 'say "hi"\\ back\nslash';

// Serves a registry with one of each metric type on a free loopback port; prints the port.
const EXPORTER = String.raw`
import json, os, socket, sys, time
multiproc = len(sys.argv) > 1 and sys.argv[1] == 'multiprocess'
from prometheus_client import CollectorRegistry, Counter, Enum, Gauge, Histogram, Info, Summary, REGISTRY, start_http_server

def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port

if multiproc:
    # Each worker process writes its own mmap files into PROMETHEUS_MULTIPROC_DIR; the server
    # process merges them with MultiProcessCollector, as a gunicorn deployment does.
    from multiprocessing import Process
    from prometheus_client import multiprocess
    def work(n):
        Counter('jobs', 'Jobs done.', ['queue']).labels('emails').inc(n)
        Gauge('workers_busy', 'Busy workers.', multiprocess_mode='livesum').set(1)
        Histogram('job_seconds', 'Job time.', buckets=(1, 5)).observe(n)
        time.sleep(60)
    procs = [Process(target=work, args=(n,), daemon=True) for n in (2, 3)]
    for p in procs: p.start()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    while len([f for f in os.listdir(os.environ['PROMETHEUS_MULTIPROC_DIR']) if f.startswith('histogram')]) < 2:
        time.sleep(0.05)
    time.sleep(0.3)
else:
    registry = REGISTRY
    c = Counter('requests', 'Requests served.', ['method', 'path'])
    c.labels('GET', '/users').inc(3)
    c.labels('POST', 'say "hi"\\ back\nslash').inc(1, exemplar={'trace_id': '${TRACE_ID}'})
    Gauge('queue_depth', 'Help with a backslash \\ and\nnewline.').set(7)
    Gauge('ratio', 'Infinite.').set(float('inf'))
    Gauge('not_a_number', 'NaN.').set(float('nan'))
    h = Histogram('request_latency_seconds', 'Latency.', ['route'], buckets=(0.1, 0.5, 1.0))
    h.labels('/a').observe(0.05)
    h.labels('/a').observe(0.3, exemplar={'trace_id': 'abc'})
    h.labels('/a').observe(2)
    s = Summary('payload', 'Payload size.', unit='bytes')
    s.observe(100)
    s.observe(300)
    Info('build', 'Build info.').info({'version': '1.2.3', 'commit': 'abc'})
    Enum('task_state', 'State.', states=['starting', 'running', 'stopped']).state('running')

port = free_port()
start_http_server(port, addr='127.0.0.1', registry=registry)
print(json.dumps({'port': port}), flush=True)
sys.stdin.read()
`;

interface Exporter {
  url: string;
  child: ChildProcessWithoutNullStreams;
}

async function startExporter(dir: string, mode: 'plain' | 'multiprocess'): Promise<Exporter> {
  const script = join(dir, 'exporter.py');
  writeFileSync(script, EXPORTER);
  const env = { ...process.env };
  if (mode === 'multiprocess') env.PROMETHEUS_MULTIPROC_DIR = mkdtempSync(join(dir, 'multiproc-'));
  const child = spawn(PYTHON, [script, mode], { env });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`exporter exited with ${code}: ${err}`)));
  });
  return { url: `http://127.0.0.1:${port}/metrics`, child };
}

function byName(families: MetricFamily[], name: string): MetricFamily {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no family ${name} in ${families.map((f) => f.name).join(', ')}`);
  return family;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-promclient-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scraping a real prometheus_client', () => {
  let exporter: Exporter;
  beforeAll(async () => {
    exporter = await startExporter(dir, 'plain');
  });
  afterAll(() => exporter.child.kill());

  it('asks for OpenMetrics as Prometheus does and reads every type, exemplar and escape', async () => {
    const response = await scrapeTarget(exporter.url, { timeoutMs: 5000 });
    expect(response.status).toBe(200);
    expect(response.compressed).toBe(true); // prometheus_client gzips when asked, as Prometheus asks
    expect(formatOfContentType(response.contentType).format).toBe('openmetrics');
    expect(response.durationMs).toBeGreaterThan(0);
    const { families, sampleCount } = parseExposition(response.body, 'openmetrics');
    expect(sampleCount).toBe(families.reduce((n, f) => n + f.samples.length, 0));

    const requests = byName(families, 'requests');
    expect(requests).toMatchObject({ type: 'counter', help: 'Requests served.' });
    const get = requests.samples.find((s) => s.name === 'requests_total' && s.labels.method === 'GET');
    expect(get).toMatchObject({ labels: { method: 'GET', path: '/users' }, value: 3 });
    const post = requests.samples.find((s) => s.name === 'requests_total' && s.labels.method === 'POST');
    expect(post?.labels.path).toBe(ESCAPED_PATH);
    expect(post?.exemplar).toMatchObject({ labels: { trace_id: TRACE_ID }, value: 1 });
    expect(Math.abs(post!.exemplar!.timestampUs! / 1e6 - Date.now() / 1000)).toBeLessThan(600);
    expect(requests.samples.filter((s) => s.name === 'requests_created')).toHaveLength(2);

    expect(byName(families, 'queue_depth')).toMatchObject({
      type: 'gauge',
      help: 'Help with a backslash \\ and\nnewline.',
      samples: [{ value: 7 }],
    });
    expect(byName(families, 'ratio').samples[0]?.value).toBe(Infinity);
    expect(byName(families, 'not_a_number').samples[0]?.value).toBeNaN();

    const latency = byName(families, 'request_latency_seconds');
    expect(latency.type).toBe('histogram');
    const buckets = latency.samples.filter((s) => s.name === 'request_latency_seconds_bucket');
    expect(buckets.map((s) => [s.labels.le, s.value])).toEqual([
      ['0.1', 1],
      ['0.5', 2],
      ['1.0', 2],
      ['+Inf', 3],
    ]);
    expect(buckets[1]?.exemplar).toMatchObject({ labels: { trace_id: 'abc' }, value: 0.3 });
    expect(latency.samples.find((s) => s.name === 'request_latency_seconds_sum')?.value).toBeCloseTo(2.35);
    expect(latency.samples.find((s) => s.name === 'request_latency_seconds_count')?.value).toBe(3);

    expect(byName(families, 'payload_bytes')).toMatchObject({ type: 'summary', unit: 'bytes' });
    expect(byName(families, 'build')).toMatchObject({
      type: 'info',
      samples: [{ name: 'build_info', labels: { version: '1.2.3', commit: 'abc' }, value: 1 }],
    });
    const state = byName(families, 'task_state');
    expect(state.type).toBe('stateset');
    expect(state.samples.map((s) => [s.labels.task_state, s.value])).toEqual([
      ['starting', 0],
      ['running', 1],
      ['stopped', 0],
    ]);
  });

  it('reads the text 0.0.4 answer when that is what is asked for', async () => {
    const response = await scrapeTarget(exporter.url, { timeoutMs: 5000, prefer: 'prometheus-text' });
    const chosen = formatOfContentType(response.contentType);
    expect(chosen).toEqual({ format: 'prometheus-text' });
    const { families } = parseExposition(response.body, chosen.format);
    const requests = byName(families, 'requests_total');
    expect(requests.type).toBe('counter');
    expect(requests.samples.find((s) => s.labels.method === 'POST')?.labels.path).toBe(ESCAPED_PATH);
    expect(requests.samples.some((s) => s.exemplar)).toBe(false); // text 0.0.4 has no exemplars
    expect(byName(families, 'requests_created').type).toBe('gauge');
    expect(byName(families, 'queue_depth').help).toBe('Help with a backslash \\ and\nnewline.');
    expect(byName(families, 'build_info')).toMatchObject({ type: 'gauge', samples: [{ value: 1 }] });
    expect(byName(families, 'task_state').type).toBe('gauge');
    const latency = byName(families, 'request_latency_seconds');
    expect(latency.samples.filter((s) => s.name.endsWith('_bucket'))).toHaveLength(4);
  });
});

describe('prometheus_client in multiprocess mode', () => {
  let exporter: Exporter;
  beforeAll(async () => {
    exporter = await startExporter(dir, 'multiprocess');
  });
  afterAll(() => exporter.child.kill());

  it('reads the counters and histograms merged from two worker processes', async () => {
    const response = await scrapeTarget(exporter.url, { timeoutMs: 5000 });
    const { families } = parseExposition(response.body, formatOfContentType(response.contentType).format);
    const jobs = byName(families, 'jobs');
    expect(jobs.type).toBe('counter');
    expect(jobs.samples.find((s) => s.name === 'jobs_total')).toMatchObject({ labels: { queue: 'emails' }, value: 5 });
    expect(byName(families, 'workers_busy').samples[0]?.value).toBe(2);
    const histogram = byName(families, 'job_seconds');
    expect(histogram.samples.find((s) => s.name === 'job_seconds_count')?.value).toBe(2);
    expect(histogram.samples.find((s) => s.name === 'job_seconds_bucket' && s.labels.le === '5.0')?.value).toBe(2);
  });
});

describe('scrape failures a user meets', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!DOCTYPE html><html><head><title>Grafana</title></head><body></body></html>');
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late 1\n'), 2000).unref();
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x 1\n'.repeat(1000));
      } else if (req.url === '/accept') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(`accept_seen{value=${JSON.stringify(req.headers.accept)}} 1\n`);
      } else {
        res.writeHead(500);
        res.end('boom');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function failure(url: string, options = {}): Promise<ScrapeError> {
    try {
      await scrapeTarget(url, options);
    } catch (err) {
      return err as ScrapeError;
    }
    throw new Error('the scrape succeeded');
  }

  it('sends the Accept header Prometheus sends', async () => {
    const { body } = await scrapeTarget(`${base}/accept`);
    expect(parseExposition(body, 'prometheus-text').families[0]?.samples[0]?.labels.value).toBe(PROMETHEUS_ACCEPT);
  });

  it('names an HTML answer, a timeout, an error status, an oversized body and a closed port', async () => {
    const html = await failure(`${base}/html`);
    expect(html.kind).toBe('html');
    expect(html.message).toContain('"Grafana"');
    const slow = await failure(`${base}/slow`, { timeoutMs: 200 });
    expect(slow.kind).toBe('timeout');
    expect(slow.message).toContain('200 ms');
    expect(await failure(`${base}/error`)).toMatchObject({ kind: 'http-status', status: 500 });
    expect((await failure(`${base}/big`, { maxBodyBytes: 100 })).kind).toBe('too-large');
    const port = (server.address() as AddressInfo).port;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(closedPort).not.toBe(port);
    expect(await failure(`http://127.0.0.1:${closedPort}/metrics`)).toMatchObject({ kind: 'network' });
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = failure(`${base}/slow`, { signal: controller.signal });
    controller.abort();
    expect((await pending).kind).toBe('aborted');
  });
});

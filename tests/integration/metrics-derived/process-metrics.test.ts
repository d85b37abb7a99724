// The saturation of the processes Loupe ties to a source, sampled from this machine's /proc by the
// host job and read back with PromQL through the Prometheus HTTP API: a real Python program that
// writes a watched log file (python-json-logger, naming its service), and a Python child whose pid
// an OpenTelemetry SDK resource names (spans sent by the JS SDK's OTLP exporter). Their series
// carry the pid and the Collector's process scraper names, and end once the process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { LogPage, PromQueryData } from '../../../shared/model.js';
import { startHttpServer, type RunningServer } from '../../../electron/engine/api/http-server.js';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';
import { HOST_METRICS_JOB } from '../../../electron/engine/signals/metrics/host/module.js';
import { PYTHON } from '../tail/tail-helpers.js';

const TOKEN = 'process-token';
let dir: string;
let engine: Engine;
let server: RunningServer;
let logFile: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-proc-'));
  logFile = join(dir, 'worker.log');
  engine = await createEngine({ dataDir: join(dir, 'data'), paths: [logFile], pollMs: 50, otlp: { httpPort: 0, grpcPort: 0 } });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, server.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

async function query(expr: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const body = await api<{ status: string; data: PromQueryData }>(`/api/v1/query?${new URLSearchParams({ query: expr })}`);
  if (body.data.resultType !== 'vector') throw new Error(`not a vector: ${body.data.resultType}`);
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

const sample = (): Promise<void> => engine.scheduler.job(HOST_METRICS_JOB)!.runNow();

/** A Python program that runs until its stdin closes (after `script`, with three idle threads beside it). */
function startPython(script: string): ChildProcess {
  const child = spawn(
    PYTHON,
    [
      '-c',
      `${script}
import sys, threading
done = threading.Event()
for _ in range(3): threading.Thread(target=done.wait).start()
print("ready", flush=True)
sys.stdin.readline()
done.set()
`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  children.push(child);
  return child;
}

async function ready(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`python exited ${code} before it was ready`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.stdin!.end();
  await exited;
}

/** One server span through the JS SDK's OTLP exporter, under an SDK's resource (its telemetry.sdk.* attributes) with `attributes`. */
async function sendSpan(attributes: Record<string, string | number>): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(attributes)),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${engine.otlp!.httpPort}/v1/traces` }))],
  });
  provider.getTracer('test').startSpan('charge', { kind: SpanKind.SERVER }).end();
  await provider.forceFlush();
  await provider.shutdown();
}

/** Every process series of one pid: metric (and state) → value. */
async function processSeries(pid: number): Promise<Record<string, number>> {
  const rows = await query(`{__name__=~"process[.].*", "process.pid"="${pid}"}`);
  return Object.fromEntries(rows.map((r) => [[r.labels.__name__, r.labels.state].filter(Boolean).join('/'), r.value]));
}

describe.runIf(process.platform === 'linux')('process saturation', () => {
  it('samples the process that writes a watched log file, with its service, and ends its series when it exits', async () => {
    const writer = startPython(`
import logging
from pythonjsonlogger import jsonlogger
handler = logging.FileHandler(${JSON.stringify(logFile)})
handler.setFormatter(jsonlogger.JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
log = logging.getLogger("worker")
log.addHandler(handler)
log.setLevel(logging.INFO)
for i in range(5):
    log.info("job done", extra={"service": "mailer", "job": i})
handler.flush()
`);
    await ready(writer);
    const pid = writer.pid!;
    const reader = startPython(`reading = open(${JSON.stringify(logFile)})`);
    await ready(reader);
    await expect.poll(async () => (await api<LogPage>('/api/logs?limit=10')).records.length, { timeout: 15_000, interval: 50 }).toBe(5);

    await sample();
    const series = await processSeries(pid);
    expect(Object.keys(series).sort()).toEqual([
      'process.cpu.time_seconds_total/system',
      'process.cpu.time_seconds_total/user',
      'process.cpu.time_seconds_total/wait',
      'process.memory.usage_bytes',
      'process.memory.virtual_bytes',
      'process.open_file_descriptors',
      'process.threads',
    ]);
    expect(series['process.memory.usage_bytes']).toBeGreaterThan(1024 * 1024);
    expect(series['process.memory.virtual_bytes']).toBeGreaterThan(series['process.memory.usage_bytes']!);
    expect(series['process.threads']).toBe(4);
    // stdin, stdout, stderr and the log file at least.
    expect(series['process.open_file_descriptors']).toBeGreaterThanOrEqual(4);
    const [rss] = await query(`{"process.memory.usage_bytes", "process.pid"="${pid}"}`);
    expect(rss!.labels).toMatchObject({ service_name: 'mailer', job: 'mailer', 'process.executable.name': 'python3' });
    // Loupe's own tailer holds the file open too, as does this reader: neither writes it.
    expect(await processSeries(process.pid)).toEqual({});
    expect(await processSeries(reader.pid!)).toEqual({});

    await stop(writer);
    await stop(reader);
    await sample();
    expect(await processSeries(pid)).toEqual({});
  });

  it('samples the process an SDK resource names by process.pid, and only while it is the program named', async () => {
    const child = startPython('');
    await ready(child);
    const pid = child.pid!;
    // First a resource that names this pid with another program (a pid reused since it was sent): not this process.
    await sendSpan({ 'service.name': 'stale', 'process.pid': pid, 'process.executable.path': '/bin/sh' });
    await sample();
    expect(await processSeries(pid)).toEqual({});
    // Then what an SDK with the process detector sends from it.
    await sendSpan({ 'service.name': 'billing', 'process.pid': pid, 'process.executable.path': PYTHON });
    await sample();
    const rows = await query(`{"process.memory.usage_bytes", "process.pid"="${pid}"}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.labels.service_name).toBe('billing');
    expect(rows[0]!.value).toBeGreaterThan(1024 * 1024);
    const [threads] = await query(`{"process.threads", "process.pid"="${pid}"}`);
    expect(threads!.value).toBeGreaterThanOrEqual(1);
    expect(await query('{"process.memory.usage_bytes", service_name="stale"}')).toEqual([]);

    await stop(child);
    await sample();
    expect(await processSeries(pid)).toEqual({});
  });
});

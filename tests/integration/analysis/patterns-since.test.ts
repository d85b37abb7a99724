// Which log patterns are new "since" a time: the range's start by default, a time given, or the last
// start of a service, found from the SDK resources it sent (a restart is a new process.pid): from
// its spans, or its metrics when it sends some.
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatternsView } from '../../../shared/model.js';
import { startOtlpEngine, type OtlpEngine } from '../../support/otlp-engine.js';
import { waitFor } from '../../support/serve-process.js';

let h: OtlpEngine;
const at = (hhmm: string): Date => new Date(`2026-11-30T${hhmm}:00Z`);

/** One run of the shop's process: a span when it starts, then its log lines (time, message). */
async function run(pid: number, startedAt: Date, lines: [Date, string][]): Promise<void> {
  const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': 'shop', 'process.pid': pid }));
  const tracer = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${h.otlpHttp}/v1/traces` }))],
  });
  tracer
    .getTracer('shop')
    .startSpan('startup', { startTime: startedAt })
    .end(new Date(startedAt.getTime() + 50));
  await tracer.forceFlush();
  await tracer.shutdown();
  const logs = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${h.otlpHttp}/v1/logs` }) })],
  });
  const logger = logs.getLogger('shop');
  for (const [time, body] of lines) logger.emit({ timestamp: time, severityNumber: SeverityNumber.INFO, severityText: 'INFO', body });
  await logs.forceFlush();
  await logs.shutdown();
}

/** Posts (OTLP/JSON) one cumulative sum point of the mailer's process `pid`, counting since `startedAt`. */
async function mailerMetric(pid: number, startedAt: Date, time: Date): Promise<void> {
  const nanos = (d: Date): string => `${d.getTime()}000000`;
  const attributes = [
    { key: 'service.name', value: { stringValue: 'mailer' } },
    { key: 'telemetry.sdk.name', value: { stringValue: 'opentelemetry' } },
    { key: 'process.pid', value: { intValue: String(pid) } },
  ];
  const point = { startTimeUnixNano: nanos(startedAt), timeUnixNano: nanos(time), asInt: '3' };
  const body = {
    resourceMetrics: [
      {
        resource: { attributes },
        scopeMetrics: [
          {
            scope: { name: 'mailer' },
            metrics: [{ name: 'mails.sent', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point] } }],
          },
        ],
      },
    ],
  };
  const res = await fetch(`${h.otlpHttp}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function patterns(params: Record<string, unknown> = {}): Promise<PatternsView> {
  return h.engine.api.table.request('patterns.list', { from: '2026-11-30T10:00:00Z', to: '2026-11-30T11:00:00Z', ...params });
}

/** The templates marked new, by their sample. */
function newOnes(view: PatternsView): string[] {
  return view.patterns
    .filter((p) => p.isNew)
    .map((p) => p.sample)
    .sort();
}

beforeAll(async () => {
  h = await startOtlpEngine();
  // The first process (pid 1001) starts at 10:00; a disk warning first appears at 10:15. It restarts
  // (pid 1002) at 10:20, and only then says "cache rebuilt".
  await run(1001, at('10:00'), [
    [at('10:01'), 'order 17 shipped to warehouse 3'],
    [at('10:15'), 'disk almost full'],
  ]);
  await run(1002, at('10:20'), [
    [at('10:21'), 'order 18 shipped to warehouse 4'],
    [at('10:22'), 'cache rebuilt'],
  ]);
  await waitFor(async () => ((await patterns()).patterns.length === 3 ? true : undefined));
});

afterAll(async () => {
  await h?.stop();
});

describe('patterns new since', () => {
  it("marks new what was first seen in the range by default, and says it used the range's start", async () => {
    const view = await patterns();
    expect(newOnes(view)).toEqual(['cache rebuilt', 'disk almost full', 'order 17 shipped to warehouse 3']);
    expect(view.since).toBe('2026-11-30T10:00:00.000000Z');
  });

  it('marks new what was first seen at or after a time given', async () => {
    const view = await patterns({ since: '2026-11-30T10:10:00Z' });
    expect(newOnes(view)).toEqual(['cache rebuilt', 'disk almost full']);
    expect(view.since).toBe('2026-11-30T10:10:00.000000Z');
  });

  it("marks new what was first seen since the service's last start (its newest process.pid)", async () => {
    const view = await patterns({ sinceStartOf: 'shop' });
    expect(newOnes(view)).toEqual(['cache rebuilt']);
    expect(view.since).toBe('2026-11-30T10:20:00.000000Z');
    expect(view.sinceUnknown).toBeUndefined();
  });

  it("takes a process's start from its metrics when it sends some: a cumulative point's start time", async () => {
    await mailerMetric(2001, at('10:02'), at('10:03'));
    await mailerMetric(2002, at('10:12'), at('10:13'));
    const view = await patterns({ sinceStartOf: 'mailer' });
    expect(view.since).toBe('2026-11-30T10:12:00.000000Z');
    expect(newOnes(view)).toEqual(['cache rebuilt', 'disk almost full']);
  });

  it("says when a service's start is unknown, and falls back to the range's start", async () => {
    const view = await patterns({ sinceStartOf: 'billing' });
    expect([view.since, view.sinceUnknown]).toEqual([null, 'no process seen for billing']);
    expect(newOnes(view)).toHaveLength(3);
  });

  it('refuses a bad time, or both ways at once, with a 400 over REST', async () => {
    const bad = await h.api<{ error: string }>('/api/patterns?since=yesterday');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('since: \\"yesterday\\" is not a time');
    const both = await h.api<{ error: string }>('/api/patterns?since=2026-11-30T10:10:00Z&sinceStartOf=shop');
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toContain('give one of them, not both');
    const ok = await h.api<PatternsView>('/api/patterns?from=2026-11-30T10:00:00Z&to=2026-11-30T11:00:00Z&sinceStartOf=shop');
    expect([ok.status, ok.body.since]).toEqual([200, '2026-11-30T10:20:00.000000Z']);
  });
});

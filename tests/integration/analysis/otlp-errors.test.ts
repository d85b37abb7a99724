// Errors that arrive over OTLP: a span's exception event (the JS SDK's recordException) and log
// records carrying `exception.type` / `exception.message` / `exception.stacktrace` (what Python's
// OpenTelemetry logging handler sends; the stacktrace here is a real one from /usr/bin/python3).
import { execFileSync } from 'node:child_process';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorGroupView } from '../../../shared/model.js';
import { startOtlpEngine, type OtlpEngine } from '../../support/otlp-engine.js';
import { waitFor } from '../../support/serve-process.js';

let h: OtlpEngine;

/** A real traceback: ValueError raised in `parse`, called from line `at` of `main` (blank lines move it). */
function pythonTraceback(blankLines: number): string {
  const program = `import traceback\n${'\n'.repeat(blankLines)}def parse(s):\n    return int(s)\ndef main():\n    try:\n        parse("x")\n    except ValueError:\n        print(traceback.format_exc(), end="")\nmain()\n`;
  return execFileSync('/usr/bin/python3', ['-c', program], { encoding: 'utf8' });
}

async function groups(): Promise<ErrorGroupView[]> {
  return h.engine.api.table.request('errors.list', {});
}

beforeAll(async () => {
  h = await startOtlpEngine();
});

afterAll(async () => {
  await h.stop();
});

describe('errors over OTLP', () => {
  it('groups log records by their exception.stacktrace, whatever the line numbers', async () => {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'billing' }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${h.otlpHttp}/v1/logs` }) })],
    });
    const logger = provider.getLogger('billing.jobs');
    for (const blank of [0, 4]) {
      logger.emit({
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: 'job failed',
        attributes: {
          'exception.type': 'ValueError',
          'exception.message': "invalid literal for int() with base 10: 'x'",
          'exception.stacktrace': pythonTraceback(blank),
        },
      });
    }
    await provider.forceFlush();
    await provider.shutdown();
    const [group, ...rest] = await waitFor(async () => {
      const g = await groups();
      return g.length > 0 && g[0]!.count === 2 ? g : undefined;
    });
    expect(rest).toEqual([]);
    expect([group!.title, group!.services]).toEqual([`ValueError: invalid literal for int() with base 10: 'x'`, ['billing']]);
    const detail = await h.engine.api.table.request('errors.get', { id: group!.id });
    expect(detail.frames.map((f) => f.function)).toEqual(['main', 'parse']);
  });

  it("joins a span's exception event to a group, with its trace one click away", async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${h.otlpHttp}/v1/traces` }))],
    });
    const span = provider.getTracer('checkout').startSpan('POST /pay');
    class CardDeclinedError extends Error {
      override name = 'CardDeclinedError';
    }
    span.recordException(new CardDeclinedError('card 4242 declined'));
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
    const found = await waitFor(async () => (await groups()).find((g) => g.type === 'CardDeclinedError'));
    expect([found.title, found.services]).toEqual(['CardDeclinedError: card 4242 declined', ['checkout']]);
    const detail = await h.engine.api.table.request('errors.get', { id: found.id });
    expect(detail.newest).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, logId: null });
  });
});

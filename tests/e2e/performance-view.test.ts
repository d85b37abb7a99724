// The Performance page in a real Chromium against the real `loupe serve`: an order page traced with
// the OpenTelemetry JS SDK (a server span, its items queried one by one, a price call) shows its
// slow queries, the N+1 with a link to the example trace, and its endpoint's time split; the N+1
// threshold lives in the URL; an error logged over OTLP is in "What changed". Screenshots go to test-results/.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PerformanceView } from '../../shared/model.js';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { ROOT, startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

let dir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;
let traceId = '';

/** GET /orders/{id}: the order, then six items one query each, a price call: 100 ms in all. */
async function sendOrderPage(otlpHttp: string): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${otlpHttp}/v1/traces` }))],
  });
  const tracer = provider.getTracer('shop');
  const t0 = Date.now() - 60_000;
  const root = tracer.startSpan('GET /orders/{id}', {
    kind: SpanKind.SERVER,
    startTime: t0,
    attributes: { 'http.request.method': 'GET', 'http.route': '/orders/{id}' },
  });
  const under = trace.setSpan(context.active(), root);
  const call = (name: string, start: number, end: number, attributes: Record<string, string>): void =>
    tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: t0 + start, attributes }, under).end(t0 + end);
  call('SELECT', 5, 15, { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM orders WHERE id = 7' });
  for (let i = 0; i < 6; i++) {
    call('SELECT', 20 + 5 * i, 24 + 5 * i, {
      'db.system': 'postgresql',
      'db.statement': `SELECT * FROM items WHERE order_id = 7 AND n = ${i}`,
    });
  }
  call('GET', 60, 80, { 'http.request.method': 'GET', 'url.full': 'http://prices:8080/prices/A1' });
  root.end(t0 + 100);
  traceId = root.spanContext().traceId;
  await provider.forceFlush();
  await provider.shutdown();
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) throw new Error('The renderer is not built: run `npm run build`.');
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-performance-'));
  serve = await startServe(['--data-dir', join(dir, 'data')]);
  const m = /OTLP:\s+http:\/\/([\d.]+):(\d+) \(HTTP\)/.exec(serve.output());
  if (!m) throw new Error(`no OTLP port in:\n${serve.output()}`);
  await sendOrderPage(`http://${m[1]}:${m[2]}`);
  // An error logged over OTLP a minute ago: a group new in the last hour.
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const logs = await fetch(`http://${m[1]}:${m[2]}/v1/logs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [attr('service.name', 'shop')] },
          scopeLogs: [
            {
              scope: { name: 'shop' },
              logRecords: [
                {
                  timeUnixNano: `${Date.now() - 60_000}000000`,
                  severityNumber: 17,
                  body: { stringValue: 'lookup failed' },
                  attributes: [attr('exception.type', 'KeyError'), attr('exception.message', "'currency'")],
                },
              ],
            },
          ],
        },
      ],
    }),
  });
  expect(logs.status).toBe(200);
  await waitFor(async () => ((await serve.get<PerformanceView>('/api/performance')).nPlusOne.length === 1 ? true : undefined), 30_000);
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

describe('the Performance page', () => {
  it('shows the slow queries, the N+1 and where the endpoint time goes', async () => {
    await page.goto(`${serve.url}?token=${serve.token}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Performance' }).click();
    const queries = page.getByRole('table', { name: 'Slow queries' });
    const items = queries.getByRole('row').filter({ hasText: 'SELECT * FROM items WHERE order_id = ? AND n = ?' });
    await items.waitFor({ timeout: 15_000 });
    // Statement (with service · system), calls, total, p95, max, share of their traces.
    expect((await items.getByRole('cell').allTextContents()).slice(0, 6)).toEqual([
      'SELECT * FROM items WHERE order_id = ? AND n = ?shop · postgresql',
      '6',
      '24 ms',
      '4 ms',
      '4 ms',
      '24%',
    ]);
    const repeated = page.getByRole('table', { name: 'N+1 calls' }).getByRole('row').filter({ hasText: 'GET /orders/{id}' });
    expect((await repeated.getByRole('cell').allTextContents()).slice(0, 4)).toEqual([
      'GET /orders/{id}shop',
      'postgresql: SELECT * FROM items WHERE order_id = ? AND n = ?database',
      '6×',
      '1',
    ]);
    // 100 ms: 10 + 24 in the database, 20 downstream, 46 its own.
    const endpoint = page.getByRole('table', { name: 'Endpoints' }).getByRole('row').filter({ hasText: 'GET /orders/{id}' });
    await expect.poll(() => endpoint.getByRole('img').getAttribute('aria-label')).toBe('own code 46%, database 34%, downstream 20%');
    await screenshot(page, 'performance');
    expect(await accessibilityProblems(page), 'performance').toEqual([]);
  });

  it('says what changed versus the hour before: the new error, one click from its group', async () => {
    const errors = page.getByRole('list', { name: 'New errors' });
    await errors.getByRole('link', { name: "KeyError: 'currency'" }).click();
    await page.waitForURL(/#\/errors\/\d+/);
    await page.getByRole('heading', { name: "KeyError: 'currency'" }).waitFor();
    await page.goBack();
  });

  it('opens the N+1 example trace at its parent span', async () => {
    const repeated = page.getByRole('table', { name: 'N+1 calls' }).getByRole('row').filter({ hasText: 'GET /orders/{id}' });
    await repeated.getByRole('link', { name: /^trace/ }).click();
    await page.waitForURL(new RegExp(`#/traces/${traceId}`));
    expect(page.url()).toContain('span=');
    await page.goBack();
  });

  it('keeps the N+1 threshold in the URL: at 7 the six queries are none', async () => {
    await page.getByRole('table', { name: 'N+1 calls' }).waitFor();
    await page.getByLabel('N+1 at').fill('7');
    await page.getByLabel('N+1 at').press('Enter');
    await page.getByText('No call repeated 7 times or more under one parent span in this range.').waitFor();
    expect(page.url()).toContain('n=7');
    await page.reload();
    await page.getByText('No call repeated 7 times or more under one parent span in this range.').waitFor();
  });
});

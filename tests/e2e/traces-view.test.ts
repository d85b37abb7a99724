// The Traces view in a real Chromium against the real `loupe serve`: a trace sent by the
// OpenTelemetry JS SDK across two services (an error span with an exception event among them) and
// a structlog line carrying its trace id. Screenshots of the search, the waterfall (light and dark)
// and the service map go to test-results/.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceSearchView } from '../../shared/model.js';
import { accessibilityProblems, launchBrowser, paintedPixels, screenshot, type TestBrowser } from '../support/browser.js';
import { ROOT, startServe, waitFor, type ServeProcess } from '../support/serve-process.js';


let dir: string;
let appLog: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;
let traceId: string;
let chargeSpanId: string;

class CardDeclinedError extends Error {
  override name = 'CardDeclinedError';
}

/** Sends one checkout: frontend → checkout, with a parallel audit call off the critical path. */
async function sendTrace(otlpHttp: string): Promise<void> {
  const provider = (service: string): BasicTracerProvider =>
    new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.4.2', 'deployment.environment': 'dev' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${otlpHttp}/v1/traces` }))],
    });
  const frontend = provider('frontend');
  const checkout = provider('checkout');
  const fe = frontend.getTracer('frontend.http', '1.0.0');
  const co = checkout.getTracer('checkout.payments', '2.1.0');
  const t0 = Date.now() - 5_000;
  const at = (ms: number): Date => new Date(t0 + ms);
  const under = (span: Span): Context => trace.setSpan(ROOT_CONTEXT, span);

  const root = fe.startSpan('GET /checkout', { kind: SpanKind.SERVER, startTime: at(0), attributes: { 'http.method': 'GET', 'http.route': '/checkout', 'http.status_code': 500 } }, ROOT_CONTEXT);
  const cart = fe.startSpan('load cart', { startTime: at(5) }, under(root));
  cart.end(at(40));
  const call = fe.startSpan('POST /api/charge', { kind: SpanKind.CLIENT, startTime: at(50), attributes: { 'http.request.method': 'POST', 'url.full': 'http://checkout:8080/api/charge' } }, under(root));
  const audit = fe.startSpan('audit log', { startTime: at(60) }, under(root));
  audit.addEvent('queued', { size: 3 }, at(70));
  audit.end(at(120));
  const server = co.startSpan('POST /api/charge', { kind: SpanKind.SERVER, startTime: at(55), attributes: { 'http.request.method': 'POST', 'http.route': '/api/charge', 'http.response.status_code': 502 } }, under(call));
  const select = co.startSpan('SELECT orders', { kind: SpanKind.CLIENT, startTime: at(60), attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM orders WHERE id = $1' } }, under(server));
  select.end(at(100));
  const charge = co.startSpan('charge card', { startTime: at(110), attributes: { 'payment.provider': 'stripe' } }, under(server));
  const err = new CardDeclinedError('card declined: insufficient funds');
  charge.recordException(err, at(250));
  charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  charge.end(at(260));
  server.setStatus({ code: SpanStatusCode.ERROR });
  server.end(at(275));
  call.end(at(280));
  const render = fe.startSpan('render error page', { startTime: at(285) }, under(root));
  render.end(at(295));
  root.setStatus({ code: SpanStatusCode.ERROR });
  root.end(at(300));
  for (const p of [frontend, checkout]) {
    await p.forceFlush();
    await p.shutdown();
  }
  traceId = root.spanContext().traceId;
  chargeSpanId = charge.spanContext().spanId;
}

async function shot(name: string, p: Page = page): Promise<void> {
  await screenshot(p, name);
}

function treeRow(p: Page, name: string) {
  return p.getByRole('tree', { name: 'Spans of this trace' }).getByRole('treeitem').filter({ hasText: name });
}

function painted(p: Page, selector: string): Promise<number> {
  return paintedPixels(p.locator(selector));
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) throw new Error('The renderer is not built: run `npm run build`.');
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-traces-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  appLog = join(logs, 'checkout.jsonl');
  writeFileSync(appLog, JSON.stringify({ event: 'checkout service started', level: 'info', timestamp: new Date().toISOString(), logger: 'checkout' }) + '\n');
  serve = await startServe(['--data-dir', join(dir, 'data'), logs]);
  const m = /OTLP:\s+http:\/\/([\d.]+):(\d+) \(HTTP\)/.exec(serve.output());
  if (!m) throw new Error(`no OTLP port in:\n${serve.output()}`);
  await sendTrace(`http://${m[1]}:${m[2]}`);
  // structlog's JSON renderer, with the trace and span ids its OpenTelemetry processor adds.
  appendFileSync(
    appLog,
    JSON.stringify({ event: 'charging card failed', level: 'error', timestamp: new Date().toISOString(), logger: 'checkout.payments', trace_id: traceId, span_id: chargeSpanId, amount: 42 }) + '\n',
  );
  await waitFor(async () => ((await serve.get<TraceSearchView>('/api/traces')).traces.some((t) => t.traceId === traceId && t.spanCount === 8) ? true : undefined), 20_000, 'the trace');
  await waitFor(async () => ((await serve.get<{ records: unknown[] }>(`/api/logs?q=trace:${traceId}`)).records.length ? true : undefined), 20_000, 'the log line');
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the Traces view', () => {
  it('finds the trace in the search and draws it on the scatter', async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/traces?last=1h`);
    const row = page.locator(`tr[data-trace-id="${traceId}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain('GET /checkout');
    expect(await row.locator('.badge').textContent()).toBe('3');
    await expect.poll(() => painted(page, '.scatter canvas'), { timeout: 10_000 }).toBeGreaterThan(20);

    // Filters go to the URL and narrow the list.
    await page.getByLabel('Attributes and words').fill('http.response.status_code:>=500');
    await page.getByLabel('Attributes and words').press('Enter');
    await expect.poll(() => page.url()).toContain('q=http.response.status_code');
    await row.waitFor();
    await page.getByLabel('Attributes and words').fill('http.route:/nowhere');
    await page.getByLabel('Attributes and words').press('Enter');
    await page.getByText('No traces match').waitFor();
    await page.getByLabel('Attributes and words').fill('');
    await page.getByLabel('Service').selectOption('checkout');
    await row.waitFor();
    await page.getByLabel('Service').selectOption('');
    await row.waitFor();
    await shot('traces-search');
    expect(await accessibilityProblems(page), 'traces-search').toEqual([]);
  });

  it('opens the waterfall with the spans nested, the critical path and the errors', async () => {
    await page.locator(`tr[data-trace-id="${traceId}"] a`).click();
    await expect.poll(() => page.url()).toContain(`#/traces/${traceId}`);
    await treeRow(page, 'charge card').waitFor();
    const level = async (name: string): Promise<string | null> => treeRow(page, name).first().getAttribute('aria-level');
    expect(await level('GET /checkout')).toBe('1');
    expect(await level('load cart')).toBe('2');
    expect(await page.locator('[role=treeitem][aria-level="3"]').filter({ hasText: 'checkout' }).filter({ hasText: 'POST /api/charge' }).count()).toBe(1);
    expect(await level('SELECT orders')).toBe('4');
    expect(await level('charge card')).toBe('4');
    // Tree order: a parent before its children, siblings by start.
    const names = await page.locator('[role=treeitem] .op').allTextContents();
    expect(names).toEqual(['GET /checkout', 'load cart', 'POST /api/charge', 'POST /api/charge', 'SELECT orders', 'charge card', 'audit log', 'render error page']);

    // The critical path: everything the root waited for, not the audit call that ran beside it.
    for (const name of ['GET /checkout', 'charge card', 'SELECT orders', 'render error page', 'load cart']) {
      expect(await treeRow(page, name).first().getAttribute('class'), name).toContain('critical');
    }
    expect(await treeRow(page, 'audit log').getAttribute('class')).not.toContain('critical');
    expect(await page.locator('.crit').count()).toBeGreaterThan(5);
    expect(await treeRow(page, 'charge card').locator('.err-mark').count()).toBe(1);
    expect(await treeRow(page, 'charge card').locator('.event.exception').count()).toBe(1);
    expect(await page.locator('.legend li').allTextContents()).toEqual(['checkout', 'frontend']);
    await shot('traces-waterfall-light');
    expect(await accessibilityProblems(page), 'traces-waterfall-light').toEqual([]);
  });

  it('is keyboard operable: arrows move, left collapses, right expands, Enter opens the detail', async () => {
    const tree = page.getByRole('tree', { name: 'Spans of this trace' });
    await tree.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => treeRow(page, 'GET /checkout').getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('[role=treeitem]').count()).toBe(1);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('[role=treeitem]').count()).toBe(8);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('complementary', { name: 'Span detail' }).getByRole('heading', { name: 'load cart' }).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('complementary', { name: 'Span detail' }).count()).toBe(0);
  });

  it('finds within the trace, with next and previous', async () => {
    const find = page.getByRole('searchbox', { name: 'Find in trace' });
    await find.fill('post /api');
    await expect.poll(() => page.locator('[role=treeitem].match').count()).toBe(2);
    expect(await page.locator('.find .count').textContent()).toBe('1 of 2');
    await find.press('Enter');
    expect(await page.locator('.find .count').textContent()).toBe('2 of 2');
    await page.getByRole('button', { name: 'Previous match' }).click();
    expect(await page.locator('.find .count').textContent()).toBe('1 of 2');
    await find.fill('');
  });

  it('shows the span detail: conventions, the exception as a traceback, resource, and its logs', async () => {
    await treeRow(page, 'charge card').click();
    const detail = page.getByRole('complementary', { name: 'Span detail' });
    await detail.getByRole('heading', { name: 'charge card' }).waitFor();
    expect(page.url()).toContain(`span=${chargeSpanId}`);
    const ex = detail.locator('.exception-box');
    await ex.waitFor();
    expect(await ex.locator('.ex-title').textContent()).toBe('CardDeclinedError: card declined: insufficient funds');
    expect(await ex.locator('.frame').count()).toBeGreaterThan(1);
    expect(await detail.getByText('service.version').count()).toBe(1);

    const logs = detail.getByRole('list', { name: 'Logs of this span' });
    await logs.getByText('charging card failed').waitFor({ timeout: 10_000 });
    await shot('traces-span-detail');
    expect(await accessibilityProblems(page), 'traces-span-detail').toEqual([]);

    // The parent's HTTP facts are read from the old and the new conventions alike.
    await page.locator('[role=treeitem][aria-level="3"]').click();
    await detail.getByRole('heading', { name: 'POST /api/charge' }).waitFor();
    const http = detail.getByRole('region', { name: 'HTTP' });
    expect(await http.locator('dd').allTextContents()).toEqual(['POST', '/api/charge', '502']);
    await treeRow(page, 'SELECT orders').click();
    expect(await detail.getByRole('region', { name: 'Database' }).locator('pre').textContent()).toBe('SELECT * FROM orders WHERE id = $1');
    await treeRow(page, 'charge card').click();
    await logs.getByText('charging card failed').waitFor();

    // The log line opens that record in the Logs view (among the trace's logs), and the record
    // links back to its trace.
    await logs.getByRole('link').first().click();
    await expect.poll(() => page.url()).toContain('#/logs?q=trace');
    expect(page.url()).toMatch(/[?&]record=\d+/);
    const recordDetail = page.getByRole('complementary', { name: 'Record detail' });
    await recordDetail.getByText('charging card failed').first().waitFor({ timeout: 10_000 });
    const logRow = page.getByRole('row').filter({ hasText: 'charging card failed' });
    await logRow.waitFor({ timeout: 10_000 });
    expect(await page.getByRole('row').filter({ hasText: 'checkout service started' }).count()).toBe(0);
    // Closing the detail takes the record out of the link; a reload with it opens it again.
    const withRecord = page.url();
    await recordDetail.getByRole('button', { name: 'Close record detail' }).click();
    await expect.poll(() => page.url()).not.toMatch(/record=/);
    await page.goto(withRecord);
    await page.getByRole('complementary', { name: 'Record detail' }).getByText('charging card failed').first().waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: /Open trace/ }).click();
    await expect.poll(() => page.url()).toContain(`#/traces/${traceId}`);
    await treeRow(page, 'charge card').waitFor();
  });

  it('draws the waterfall in dark mode', async () => {
    const dark = await launchBrowser({ colorScheme: 'dark' });
    try {
      const p = dark.context.pages()[0] ?? (await dark.context.newPage());
      await p.goto(`${serve.url}?token=${serve.token}#/traces/${traceId}?span=${chargeSpanId}`);
      await p.getByRole('complementary', { name: 'Span detail' }).locator('.exception-box').waitFor({ timeout: 15_000 });
      await shot('traces-waterfall-dark', p);
      expect(await accessibilityProblems(p), 'traces-waterfall-dark').toEqual([]);
    } finally {
      await dark.close();
    }
  });

  it('draws the service map, and a node searches its traces', async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/traces?tab=map&last=1h`);
    const node = page.getByRole('button', { name: /^checkout (entry|\d+ in)/ });
    await node.waitFor({ timeout: 10_000 });
    const edge = page.getByRole('img', { name: /^frontend calls checkout/ });
    expect(await edge.getAttribute('aria-label')).toMatch(/1 req · 100% err · p95 220ms/);
    await shot('traces-service-map');
    expect(await accessibilityProblems(page), 'traces-service-map').toEqual([]);
    await node.click();
    await expect.poll(() => page.url()).toContain('service=checkout');
    await page.locator(`tr[data-trace-id="${traceId}"]`).waitFor();
    expect(await page.getByLabel('Service').inputValue()).toBe('checkout');
  });
});

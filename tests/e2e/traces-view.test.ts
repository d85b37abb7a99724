// The Traces view in a real Chromium against the real `loupe serve`: a trace sent by the
// OpenTelemetry JS SDK across two services (an error span with an exception event among them) and
// a structlog line carrying its trace id, 600 older one-span traces (imported) and OTLP metrics.
// Screenshots of the search, the waterfall, the comparison, the service map and the Metrics view
// (light and dark) go to test-results/.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
import { ROOT, startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

let dir: string;
let appLog: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;
let traceId: string;
let chargeSpanId: string;
let otlpHttp: string;
let exported: string;
const OLDER_TRACES = 600;
/** A statement longer than the detail panel is wide, with a long unbreakable identifier in it. */
const LONG_STATEMENT = `SELECT o.id, o.total, o.currency FROM orders o JOIN order_items_with_a_very_long_denormalised_table_name_${'x'.repeat(60)} i ON i.order_id = o.id WHERE o.id = $1 AND o.status IN ('open', 'paid', 'shipped') ORDER BY o.created_at DESC`;

/** 600 one-span traces of the last half hour, older than the checkout, through the import API. */
async function importOlderTraces(): Promise<void> {
  const t0 = (Date.now() - 30 * 60_000) * 1000;
  const spans = Array.from({ length: OLDER_TRACES }, (_, i) => ({
    traceId: `e2e${(i + 1).toString(16).padStart(29, '0')}`,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'GET /health',
    kind: 2,
    startTimeUnixNano: `${t0 + i * 1000}000`,
    endTimeUnixNano: `${t0 + i * 1000 + 800}000`,
  }));
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pinger' } }] },
        scopeSpans: [{ scope: { name: 'p' }, spans }],
      },
    ],
  });
  const res = await fetch(new URL('/api/traces/import', serve.url), {
    method: 'POST',
    body,
    headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
  });
  if (res.status !== 200) throw new Error(`import: ${res.status} ${await res.text()}`);
}

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

  const root = fe.startSpan(
    'GET /checkout',
    { kind: SpanKind.SERVER, startTime: at(0), attributes: { 'http.method': 'GET', 'http.route': '/checkout', 'http.status_code': 500 } },
    ROOT_CONTEXT,
  );
  const cart = fe.startSpan('load cart', { startTime: at(5) }, under(root));
  cart.end(at(40));
  const call = fe.startSpan(
    'POST /api/charge',
    {
      kind: SpanKind.CLIENT,
      startTime: at(50),
      attributes: { 'http.request.method': 'POST', 'url.full': 'http://checkout:8080/api/charge' },
    },
    under(root),
  );
  const audit = fe.startSpan('audit log', { startTime: at(60) }, under(root));
  audit.addEvent('queued', { size: 3 }, at(70));
  audit.end(at(120));
  const server = co.startSpan(
    'POST /api/charge',
    {
      kind: SpanKind.SERVER,
      startTime: at(55),
      attributes: { 'http.request.method': 'POST', 'http.route': '/api/charge', 'http.response.status_code': 502 },
    },
    under(call),
  );
  const select = co.startSpan(
    'SELECT orders',
    { kind: SpanKind.CLIENT, startTime: at(60), attributes: { 'db.system': 'postgresql', 'db.statement': LONG_STATEMENT } },
    under(server),
  );
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
  writeFileSync(
    appLog,
    JSON.stringify({ event: 'checkout service started', level: 'info', timestamp: new Date().toISOString(), logger: 'checkout' }) + '\n',
  );
  serve = await startServe(['--data-dir', join(dir, 'data'), logs]);
  const m = /OTLP:\s+http:\/\/([\d.]+):(\d+) \(HTTP\)/.exec(serve.output());
  if (!m) throw new Error(`no OTLP port in:\n${serve.output()}`);
  otlpHttp = `http://${m[1]}:${m[2]}`;
  await sendTrace(otlpHttp);
  await importOlderTraces();
  // The specification's example metrics, moved to now (retention would soon remove 2018's points).
  const metricsJson = readFileSync(join(ROOT, 'tests', 'fixtures', 'otlp', 'metrics.json'), 'utf8').replace(
    /"1544712\d{12}"/g,
    `"${Date.now()}000000"`,
  );
  const metrics = await fetch(`${otlpHttp}/v1/metrics`, {
    method: 'POST',
    body: metricsJson,
    headers: { 'Content-Type': 'application/json' },
  });
  if (metrics.status !== 200) throw new Error(`metrics: ${metrics.status}`);
  // structlog's JSON renderer, with the trace and span ids its OpenTelemetry processor adds.
  appendFileSync(
    appLog,
    JSON.stringify({
      event: 'charging card failed',
      level: 'error',
      timestamp: new Date().toISOString(),
      logger: 'checkout.payments',
      trace_id: traceId,
      span_id: chargeSpanId,
      amount: 42,
    }) + '\n',
  );
  await waitFor(
    async () =>
      (await serve.get<TraceSearchView>('/api/traces')).traces.some((t) => t.traceId === traceId && t.spanCount === 8) ? true : undefined,
    20_000,
    'the trace',
  );
  await waitFor(
    async () => ((await serve.get<{ records: unknown[] }>(`/api/logs?q=trace:${traceId}`)).records.length ? true : undefined),
    20_000,
    'the log line',
  );
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

describe('the Traces view', () => {
  it('finds the trace in the search and draws it on the scatter', async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/traces?last=1h`);
    const row = page.locator(`tr[data-trace-id="${traceId}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain('GET /checkout');
    // Every cell of a row spans the row (a flex cell used to be shorter than the others).
    const boxes = await row.locator('td').evaluateAll((tds) =>
      tds.map((td) => {
        const r = td.getBoundingClientRect();
        return [r.top, r.bottom];
      }),
    );
    expect(new Set(boxes.map((b) => b.join(','))).size).toBe(1);

    // 601 traces, 500 shown: "Load more" brings the rest, none twice.
    const status = page.getByRole('status').filter({ hasText: 'traces' }).first();
    await expect.poll(() => status.textContent()).toContain(`${OLDER_TRACES + 1} traces · newest 500 shown`);
    await page.getByRole('button', { name: 'Load 500 more' }).click();
    await expect.poll(() => page.locator('tr[data-trace-id]').count()).toBe(OLDER_TRACES + 1);
    expect(
      new Set(await page.locator('tr[data-trace-id]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trace-id')))).size,
    ).toBe(OLDER_TRACES + 1);
    expect(await page.getByRole('button', { name: /^Load \d+ more/ }).count()).toBe(0);
    // The scatter's time labels fall on round times and none repeats. (Run near midnight, a range
    // over two days labels its times with their day, "Dec 1 23:40", and a midnight with its day alone.)
    const xLabels = ((await page.locator('.scatter canvas').getAttribute('data-x-labels')) ?? '').split('|');
    expect(xLabels.length).toBeGreaterThan(2);
    expect(new Set(xLabels).size).toBe(xLabels.length);
    for (const l of xLabels) expect(l).toMatch(/^(?:[A-Z][a-z]{2} \d{1,2}|(?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d[05](:[0-5][05])?)$/);
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
    expect(
      await page.locator('[role=treeitem][aria-level="3"]').filter({ hasText: 'checkout' }).filter({ hasText: 'POST /api/charge' }).count(),
    ).toBe(1);
    expect(await level('SELECT orders')).toBe('4');
    expect(await level('charge card')).toBe('4');
    // Tree order: a parent before its children, siblings by start.
    const names = await page.locator('[role=treeitem] .op').allTextContents();
    expect(names).toEqual([
      'GET /checkout',
      'load cart',
      'POST /api/charge',
      'POST /api/charge',
      'SELECT orders',
      'charge card',
      'audit log',
      'render error page',
    ]);

    // The root's duration sits after its bar (it used to sit on the bar's end, over its error outline).
    const rootRow = treeRow(page, 'GET /checkout');
    const rootBar = (await rootRow.locator('.bar').boundingBox())!;
    const rootLabel = (await rootRow.locator('.dur').boundingBox())!;
    expect(rootLabel.x).toBeGreaterThanOrEqual(rootBar.x + rootBar.width + 2);

    // The critical path is off until asked for, then remembered.
    const critToggle = page.getByRole('checkbox', { name: /Critical path/ });
    expect(await critToggle.isChecked()).toBe(false);
    expect(await page.locator('.crit').count()).toBe(0);
    expect(await page.locator('[role=treeitem].critical').count()).toBe(0);
    await critToggle.check();
    await page.reload();
    await treeRow(page, 'charge card').waitFor();
    expect(await page.getByRole('checkbox', { name: /Critical path/ }).isChecked()).toBe(true);
    // The critical path: everything the root waited for, not the audit call that ran beside it.
    for (const name of ['GET /checkout', 'charge card', 'SELECT orders', 'render error page', 'load cart']) {
      expect(await treeRow(page, name).first().getAttribute('class'), name).toContain('critical');
    }
    expect(await treeRow(page, 'audit log').getAttribute('class')).not.toContain('critical');
    expect(await page.locator('.crit').count()).toBeGreaterThan(5);
    expect(await treeRow(page, 'charge card').locator('.err-mark').count()).toBe(1);
    expect(await treeRow(page, 'charge card').locator('.event.exception').count()).toBe(1);
    expect(await page.locator('.legend li').allTextContents()).toEqual(['checkout', 'frontend']);
    await page.getByRole('checkbox', { name: /Critical path/ }).uncheck();
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
    const query = detail.getByRole('region', { name: 'Database' }).locator('pre');
    expect(await query.textContent()).toBe(LONG_STATEMENT);
    // All of it is on screen: wrapped (its long identifier too), not cut at the panel's edge.
    expect(await query.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(serve.url).origin });
    await detail.getByRole('button', { name: 'Copy query' }).click();
    await detail.getByRole('button', { name: 'Copied' }).waitFor();
    const clipboard = (): Promise<string> =>
      (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText();
    expect(await page.evaluate(clipboard)).toBe(LONG_STATEMENT);
    await shot('traces-span-query');
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
      const p = dark.page;
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
    const node = page.getByRole('button', { name: /^checkout 1 req · [\d.<]+\/s · 100% err/ });
    await node.waitFor({ timeout: 10_000 });
    const edge = page.getByRole('img', { name: /^frontend calls checkout/ });
    expect(await edge.getAttribute('aria-label')).toMatch(/1 req · [\d.<]+\/s · 100% err · p95 220ms/);
    // The database the client span names is a node too, with the call to it.
    expect(await page.getByRole('img', { name: /^postgresql, database: 1 req/ }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /^checkout calls postgresql: 1 req/ }).count()).toBe(1);
    await shot('traces-service-map');
    expect(await accessibilityProblems(page), 'traces-service-map').toEqual([]);
    await node.click();
    await expect.poll(() => page.url()).toContain('service=checkout');
    await page.locator(`tr[data-trace-id="${traceId}"]`).waitFor();
    await expect.poll(() => page.getByLabel('Service').inputValue()).toBe('checkout');
  });

  it('exports a trace as OTLP/JSON, imports a file, and compares two traces', async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/traces/${traceId}`);
    await treeRow(page, 'charge card').waitFor({ timeout: 15_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    expect(download.suggestedFilename()).toBe(`trace-${traceId}.otlp.json`);
    exported = readFileSync((await download.path())!, 'utf8');
    const doc = JSON.parse(exported) as { resourceSpans: { scopeSpans: { spans: { traceId: string; startTimeUnixNano: string }[] }[] }[] };
    const spans = doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((ss) => ss.spans));
    expect(spans).toHaveLength(8);
    expect(spans.every((sp) => sp.traceId === traceId && /^\d{19}$/.test(sp.startTimeUnixNano))).toBe(true);

    // The same trace under another id, a little slower: imported through the file picker, it opens.
    const otherId = 'f'.repeat(16) + traceId.slice(16);
    const slower = exported
      .replaceAll(traceId, otherId)
      .replace(/"endTimeUnixNano":"(\d+)"/, (_m, n: string) => `"endTimeUnixNano":"${BigInt(n) + 90_000_000n}"`);
    const file = join(dir, 'slower.otlp.json');
    writeFileSync(file, slower);
    await page.goto(`${serve.url}?token=${serve.token}#/traces?last=1h`);
    await page.locator(`tr[data-trace-id="${traceId}"]`).waitFor({ timeout: 15_000 });
    await page.getByLabel('Trace file to import').setInputFiles(file);
    await expect.poll(() => page.url(), { timeout: 10_000 }).toContain(`#/traces/${otherId}`);
    await treeRow(page, 'charge card').waitFor();

    // A file that is not a trace export says why, where the user looks.
    const bad = join(dir, 'not-a-trace.json');
    writeFileSync(bad, '{"resourceSpans": "no"}');
    await page.goto(`${serve.url}?token=${serve.token}#/traces?last=1h`);
    await page.locator(`tr[data-trace-id="${otherId}"]`).waitFor({ timeout: 15_000 });
    await page.getByLabel('Trace file to import').setInputFiles(bad);
    expect(await page.getByRole('alert').filter({ hasText: 'not-a-trace.json' }).textContent()).toMatch(/Not an OTLP\/JSON trace export/);

    // Pick both, compare: two waterfalls on one scale, and the time per operation.
    await page.getByRole('checkbox', { name: 'Compare GET /checkout' }).nth(0).check();
    await page.getByRole('checkbox', { name: 'Compare GET /checkout' }).nth(1).check();
    await page.getByRole('link', { name: 'Compare the 2 picked traces' }).click();
    await expect.poll(() => page.url()).toContain('#/traces/compare?a=');
    await page.getByRole('tree', { name: 'Spans of trace A' }).getByRole('treeitem').first().waitFor({ timeout: 10_000 });
    expect(await page.getByRole('tree', { name: 'Spans of trace B' }).getByRole('treeitem').count()).toBe(8);
    const ops = page.getByRole('table', { name: 'Time per operation' });
    const firstRow = ops.getByRole('row').nth(1);
    expect(await firstRow.textContent()).toContain('GET /checkout');
    expect(await firstRow.locator('.diff').textContent()).toMatch(/^[+−]90ms$/);
    await shot('traces-compare-light');
    expect(await accessibilityProblems(page), 'traces-compare-light').toEqual([]);
  });

  it('lists the metrics received', async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/metrics?tab=explore`);
    const list = page.getByRole('list', { name: 'Metrics' });
    const counter = list.getByRole('button', { name: /^my\.counter/ });
    await counter.waitFor({ timeout: 10_000 });
    expect(await counter.textContent()).toContain('my.service');
    expect(await list.getByRole('button', { name: /^my\.histogram/ }).textContent()).toContain('histogram');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Metrics')]));
    await shot('metrics-light');
    expect(await accessibilityProblems(page), 'metrics-light').toEqual([]);
  });

  it('draws the search, the comparison, the service map and the metrics in dark mode', async () => {
    const dark = await launchBrowser({ colorScheme: 'dark' });
    try {
      const p = dark.page;
      const otherId = 'f'.repeat(16) + traceId.slice(16);
      for (const [name, hash, ready] of [
        ['traces-search-dark', '#/traces?last=1h', `tr[data-trace-id="${traceId}"]`],
        ['traces-compare-dark', `#/traces/compare?a=${traceId}&b=${otherId}`, '[role=tree] [role=treeitem]'],
        ['traces-service-map-dark', '#/traces?tab=map&last=1h', '.map .node'],
        ['metrics-dark', '#/metrics?tab=explore', '.metric-list button'],
      ] as const) {
        await p.goto(`${serve.url}?token=${serve.token}${hash}`);
        await p.locator(ready).first().waitFor({ timeout: 15_000 });
        await shot(name, p);
        expect(await accessibilityProblems(p), name).toEqual([]);
      }
    } finally {
      await dark.close();
    }
  });
});

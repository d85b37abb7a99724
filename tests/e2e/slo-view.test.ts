// The SLO view in a real Chromium against the real `loupe serve`: an availability SLO over the RED
// series of spans the OpenTelemetry JS SDK sent (200 requests, 4 failed), its SLI and error budget
// in the list matching the API's numbers and the hand-computed ones; its detail's burn-rate chart
// painted with the four alert thresholds the engine generated for a 28-day window, the budget chart,
// the link to the failed requests opening the Traces view's search; an SLO over a session compared
// with the previous run; the editor refusing an objective of 100% under its field, then saving; an
// OpenSLO YAML imported. Screenshots (light and dark) go to test-results/.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { SloListView, SloStatusView } from '../../shared/slo.js';
import { accessibilityProblems, launchBrowser, paintedPixels, screenshot, type TestBrowser } from '../support/browser.js';
import { assertBuilt, startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

let dir: string;
let dataDir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

const REQUESTS = 200;
const FAILED = 4;
/** The first batch: a quarter of the main one, failing in the same proportion. */
const WARMUP_OK = 49;
const WARMUP_FAILED = 1;
const ID = 'shop-availability';

const SLOS = `slos:
  - name: availability
    service: shop
    objective: 95
    sla: 90
    window: 28d
    sli:
      availability: {}
`;

const OPENSLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout
spec:
  service: shop
  indicator:
    metadata:
      name: checkout-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource: { type: Prometheus, spec: { query: 'sum(checkout_requests_total{code="500"})' } }
        total:
          metricSource: { type: Prometheus, spec: { query: 'sum(checkout_requests_total)' } }
  timeWindow:
    - duration: 7d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.995
`;

/** `ok` and `failed` server spans of shop through the SDK's OTLP/HTTP exporter. */
async function sendRequests(otlpHttp: string, ok: number, failed: number): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpHttp}/v1/traces` }), { maxExportBatchSize: 500, maxQueueSize: 500 }),
    ],
  });
  const tracer = provider.getTracer('shop.http');
  const t0 = Date.now() - 30_000;
  for (let i = 0; i < ok + failed; i++) {
    const span = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: t0 + i * 10 });
    if (i < failed) span.setStatus({ code: SpanStatusCode.ERROR, message: 'payment backend down' });
    span.end(t0 + i * 10 + 20);
  }
  await provider.forceFlush();
  await provider.shutdown();
}

/** The RED calls counter of shop now, summed (what the derived metrics' last flush wrote). */
async function storedCalls(): Promise<number> {
  const q = encodeURIComponent('sum({"traces.span.metrics.calls_total", service_name="shop"})');
  const body = await serve.get<{ data: { result: { value: [number, string] }[] } }>(`/api/v1/query?query=${q}`);
  return Number(body.data.result[0]?.value[1] ?? 0);
}

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-slo-'));
  dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'slos.yml'), SLOS);
  serve = await startServe(['--data-dir', dataDir]);
  const m = /OTLP:\s+http:\/\/([\d.]+):(\d+) \(HTTP\)/.exec(serve.output());
  if (!m) throw new Error(`no OTLP port in:\n${serve.output()}`);
  const otlpHttp = `http://${m[1]}:${m[2]}`;
  // A counter's first point has no increase before it (as in Prometheus): a first batch makes the
  // series, in the main batch's proportions so the two series extrapolate alike; then the main
  // batch's 200 requests, 4 failed, are what the SLO counts. The RED series are written at the
  // derived metrics' flush, every 15 s.
  await sendRequests(otlpHttp, WARMUP_OK, WARMUP_FAILED);
  await waitFor(async () => ((await storedCalls()) === WARMUP_OK + WARMUP_FAILED ? true : undefined), 40_000, 'the first batch');
  await sendRequests(otlpHttp, REQUESTS - FAILED, FAILED);
  await waitFor(async () => ((await storedCalls()) === WARMUP_OK + WARMUP_FAILED + REQUESTS ? true : undefined), 40_000, 'the main batch');
  browser = await launchBrowser();
  page = browser.page;
}, 90_000);

afterAll(() => tearDown(dir, browser, serve));

async function sloNow(id = ID): Promise<SloStatusView> {
  const found = (await serve.get<SloListView>('/api/slos')).slos.find((s) => s.id === id);
  if (!found) throw new Error(`no SLO ${id}`);
  return found;
}

describe('the SLO view', () => {
  it('lists the SLO with the SLI and error budget the API computes', async () => {
    await page.goto(`${serve.url}?token=${serve.token}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SLOs' }).click();
    await expect.poll(() => page.url()).toContain('#/slos');
    const row = page.locator(`tr[data-slo="${ID}"]`);
    await row.waitFor();
    const api = await sloNow();
    // 196 good of 200: SLI 98%; 2% errors against a 5% budget: 40% spent, 60% left, burning at
    // 0.4× over the last hour. Counts are PromQL increases (extrapolated to the window's edges, as
    // Prometheus does), so the events left are 3% of the counted events rather than exactly 6.
    expect(api.sli).toBeCloseTo(0.98, 9);
    expect(api.remaining).toBeCloseTo(0.6, 9);
    expect(api.remainingEvents / api.total).toBeCloseTo(0.03, 9);
    expect(api.burnRateNow).toBeCloseTo(0.4, 9);
    expect(await row.locator('.sli .value').textContent()).toBe('98%');
    expect(await row.locator('.objective').textContent()).toBe('95%SLA 90%');
    expect(await row.locator('.budget .pct').textContent()).toBe('60%');
    expect(await row.getByRole('meter', { name: 'Error budget remaining' }).getAttribute('aria-valuenow')).toBe('60');
    expect(await row.locator('.burn').textContent()).toBe('0.4×');
    expect(await row.locator('.exhaustion').textContent()).toBe('lasts the window');
    expect(await row.locator('.risk').count()).toBe(0);
    // The events as the API counts them now (they move a little as time passes: the extrapolation).
    const [good, total] = (await row.locator('.sli .events').textContent())!.split(' / ').map((t) => Number(t.replace(/,/g, '')));
    const latest = await sloNow();
    expect(good).toBeGreaterThan(Math.min(api.good, latest.good) * 0.98);
    expect(total).toBeLessThan(Math.max(api.total, latest.total) * 1.02);
    expect(good! / total!).toBeCloseTo(0.98, 2);
    const left = Number((await row.locator('.budget .more').textContent())!.split(' events')[0]);
    expect(left / total!).toBeCloseTo(0.03, 2);
    await screenshot(page, 'slo-list-light');
    expect(await accessibilityProblems(page), 'slo-list').toEqual([]);
  });

  it('opens the SLO: burn-rate chart with the alert thresholds, the budget chart, a session compared', async () => {
    await page.getByRole('link', { name: 'availability', exact: true }).click();
    await expect.poll(() => page.url()).toContain(`#/slos/${ID}`);
    const detail = page.getByRole('region', { name: `SLO ${ID}` });
    await detail.waitFor();
    const [burn, budget] = [detail.locator('canvas').nth(0), detail.locator('canvas').nth(1)];
    await expect.poll(() => paintedPixels(burn)).toBeGreaterThan(500);
    await expect.poll(() => paintedPixels(budget)).toBeGreaterThan(500);
    expect(Number(await burn.getAttribute('data-points'))).toBeGreaterThan(0);
    // The workbook's four conditions, their windows scaled from 30 to 28 days (1 h → 56 min …).
    const lines = JSON.parse((await burn.getAttribute('data-lines')) ?? '[]') as { label: string; y: number }[];
    expect(lines.map((l) => l.label)).toEqual([
      'page 14.4× (56m & 4m40s)',
      'page 6× (5h36m & 28m)',
      'ticket 3× (22h24m & 1h52m)',
      'ticket 1× (2d19h12m & 5h36m)',
    ]);
    // Higher thresholds are drawn higher up.
    expect(lines.map((l) => l.y)).toEqual([...lines.map((l) => l.y)].sort((a, b) => a - b));
    const budgetLines = JSON.parse((await budget.getAttribute('data-lines')) ?? '[]') as { label: string }[];
    expect(budgetLines.map((l) => l.label)).toEqual(['whole budget', 'SLA 90%']);

    const session = detail.getByRole('region', { name: 'SLO for a session' });
    await session.getByRole('button', { name: 'Compare with the previous run' }).click();
    const table = session.getByRole('table', { name: 'Session results' });
    await table.waitFor();
    const sli = table.getByRole('row').filter({ hasText: 'SLI' });
    expect(await sli.getByRole('cell').allTextContents()).toEqual(['98%', '—']);
    const events = await table.getByRole('row').filter({ hasText: 'Good / all' }).getByRole('cell').allTextContents();
    expect(events[1]).toBe('0 / 0');
    await screenshot(page, 'slo-detail-light');
    expect(await accessibilityProblems(page), 'slo-detail').toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'slo-detail-dark');
    expect(await accessibilityProblems(page), 'slo-detail-dark').toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('opens the failed requests in the Traces view, one click away', async () => {
    await page
      .getByRole('region', { name: `SLO ${ID}` })
      .getByRole('link', { name: 'Failed requests →' })
      .click();
    await expect.poll(() => page.url()).toContain('#/traces?');
    expect(page.url()).toContain('service=shop');
    expect(page.url()).toContain('status=error');
    // The Traces view fills its form from the URL once it has drawn (a moment after the URL changes).
    await expect.poll(() => page.getByLabel('Service').inputValue()).toBe('shop');
    await expect.poll(() => page.getByRole('checkbox', { name: 'Errors only' }).isChecked()).toBe(true);
    const failed = FAILED + WARMUP_FAILED;
    const status = page.getByRole('status').filter({ hasText: 'traces' }).first();
    await expect.poll(() => status.textContent()).toMatch(new RegExp(`^${failed} traces, ${failed} with errors\\b`));
    await page.goBack();
    await page.getByRole('region', { name: `SLO ${ID}` }).waitFor();
  });

  it('shows an objective of 100% refused under its field, then saves the SLO', async () => {
    await page.getByRole('button', { name: 'New SLO' }).click();
    const form = page.getByRole('form', { name: 'SLO' });
    // The services and operations the spans name are offered as they are typed.
    const offered = (id: string): Promise<string[]> =>
      form.locator(`datalist#${id} option`).evaluateAll((os) => os.map((o) => o.getAttribute('value') ?? ''));
    await expect.poll(() => offered('slo-services')).toEqual(['shop']);
    await form.getByLabel('Service', { exact: true }).fill('shop');
    await expect.poll(() => offered('slo-operations')).toEqual(['GET /orders']);
    await form.getByLabel('Name', { exact: true }).fill('fast');
    await form.getByRole('combobox', { name: 'SLI', exact: true }).selectOption('latency');
    await form.getByLabel('Faster than').fill('400ms');
    await form.getByLabel('Objective (%)').fill('100');
    await form.getByRole('button', { name: 'Save SLO' }).click();
    const objective = form.getByLabel('Objective (%)');
    await expect.poll(() => objective.getAttribute('aria-invalid')).toBe('true');
    const said = form.locator(`#${(await objective.getAttribute('aria-describedby'))!}`);
    expect(await said.textContent()).toBe('a percent above 0 and below 100, such as 99.9');
    expect(await form.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('false');
    await screenshot(page, 'slo-editor-light');
    expect(await accessibilityProblems(page), 'slo-editor').toEqual([]);
    expect(readFileSync(join(dataDir, 'slos.yml'), 'utf8')).not.toContain('fast');

    await objective.fill('99.5');
    await form.getByRole('button', { name: 'Save SLO' }).click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => page.url()).toContain('#/slos/shop-fast');
    const written = readFileSync(join(dataDir, 'slos.yml'), 'utf8');
    expect(written).toContain('name: fast');
    expect(written).toContain('threshold: 400ms');
    await page.locator('tr[data-slo="shop-fast"]').waitFor();
    // Every request took 20 ms: all under 400 ms.
    expect(await page.locator('tr[data-slo="shop-fast"] .sli .value').textContent()).toBe('100%');
  });

  it('imports an OpenSLO v1 SLO pasted as YAML', async () => {
    await page.getByRole('button', { name: 'Import OpenSLO' }).click();
    const panel = page.getByRole('region', { name: 'Import OpenSLO' });
    await panel.getByLabel(/^YAML/).fill(OPENSLO);
    await panel.getByRole('button', { name: 'Import', exact: true }).click();
    expect(await panel.getByRole('status').textContent()).toBe('Imported shop-checkout.');
    const row = page.locator('tr[data-slo="shop-checkout"]');
    await row.waitFor();
    expect(await row.locator('.objective').textContent()).toBe('99.5%');
    expect(readFileSync(join(dataDir, 'slos.yml'), 'utf8')).toContain('name: checkout');
    expect(await accessibilityProblems(page), 'slo-import').toEqual([]);
  });
});

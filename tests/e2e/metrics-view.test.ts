// The Metrics view in a real Chromium against the real `loupe serve`: RED series with the
// spanmetrics connector's names (`traces.span.metrics.calls`, `.duration` in ms, as Loupe derives
// them from spans), an application counter and the process series Loupe samples for a service,
// sent as OTLP/JSON with known values. The overview shows each service's rate, error ratio,
// latency and saturation; an operation opens its charts; the explorer charts a metric split by a
// label, keeps that in the URL across a reload, and shows a PromQL mistake with its position; a
// histogram's exemplars are dots that open their trace, and its buckets a heatmap; the PromQL box
// completes metric names and label values. Screenshots (light and dark) go to test-results/.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSummaryView } from '../../shared/model.js';
import { accessibilityProblems, launchBrowser, paintedPixels, screenshot, type TestBrowser } from '../support/browser.js';
import { assertBuilt, startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

let dir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

/** Samples every 30 s over the last 10 minutes, the newest a second ago. */
const STEP_S = 30;
const SAMPLES = 21;
/** The connector's default buckets (ms). */
const BOUNDS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];

type Attr = { key: string; value: { stringValue: string } };
const attrs = (o: Record<string, string>): Attr[] => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));

/**
 * One service's RED series: `okPerS` successful and `errPerS` failed server calls a second, all
 * lasting between 50 and 100 ms (so p50 = 75 ms, p95 = 97.5 ms, p99 = 99.5 ms as
 * histogram_quantile interpolates), as cumulative OTLP sums and histograms.
 */
function redPayload(service: string, operation: string, okPerS: number, errPerS: number): unknown {
  const now = Date.now() - 1000;
  const times = Array.from({ length: SAMPLES }, (_, i) => now - (SAMPLES - 1 - i) * STEP_S * 1000);
  const start = `${(times[0]! - 3600_000) * 1e6}`;
  const base = { 'span.name': operation, 'span.kind': 'SPAN_KIND_SERVER' };
  const calls = (status: string, perS: number) =>
    times.map((t, i) => ({
      attributes: attrs({ ...base, 'status.code': status }),
      startTimeUnixNano: start,
      timeUnixNano: `${t * 1e6}`,
      asDouble: 1000 + perS * STEP_S * i,
    }));
  const durations = times.map((t, i) => {
    const count = 1000 + (okPerS + errPerS) * STEP_S * i;
    return {
      attributes: attrs({ ...base, 'status.code': 'STATUS_CODE_UNSET' }),
      startTimeUnixNano: start,
      timeUnixNano: `${t * 1e6}`,
      count: String(count),
      sum: count * 75,
      explicitBounds: BOUNDS,
      // Every call falls in (50, 100] ms.
      bucketCounts: BOUNDS.map((b) => (b === 100 ? String(count) : '0')).concat('0'),
    };
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': service }) },
        scopeMetrics: [
          {
            scope: { name: 'spanmetricsconnector' },
            metrics: [
              {
                name: 'traces.span.metrics.calls',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [...calls('STATUS_CODE_UNSET', okPerS), ...(errPerS ? calls('STATUS_CODE_ERROR', errPerS) : [])],
                },
              },
              { name: 'traces.span.metrics.duration', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints: durations } },
            ],
          },
        ],
      },
    ],
  };
}

/** An application counter, `app.jobs` (a dotted OTel name), per queue: email 3/s, sms 1/s. */
function jobsPayload(): unknown {
  const now = Date.now() - 1000;
  const points = (queue: string, perS: number) =>
    Array.from({ length: SAMPLES }, (_, i) => ({
      attributes: attrs({ queue }),
      startTimeUnixNano: `${(now - 3600_000) * 1e6}`,
      timeUnixNano: `${(now - (SAMPLES - 1 - i) * STEP_S * 1000) * 1e6}`,
      asInt: String(perS * STEP_S * i),
    }));
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': 'worker' }) },
        scopeMetrics: [
          {
            scope: { name: 'app' },
            metrics: [
              {
                name: 'app.jobs',
                unit: '{job}',
                description: 'Jobs done',
                sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [...points('email', 3), ...points('sms', 1)] },
              },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * The process series Loupe samples for a service (the process scraper's names and units): two
 * processes of `service`, together busy 0.25 s user + 0.05 s system CPU a second (30%; the second
 * of I/O wait a second is no CPU use) and holding 100 + 50 MiB resident.
 */
function processPayload(service: string): unknown {
  const now = Date.now() - 1000;
  const start = `${(now - 3600_000) * 1e6}`;
  const at = (i: number): string => `${(now - (SAMPLES - 1 - i) * STEP_S * 1000) * 1e6}`;
  const process = (pid: number, userPerS: number, rssMiB: number) => ({
    resource: { attributes: [...attrs({ 'service.name': service }), { key: 'process.pid', value: { intValue: String(pid) } }] },
    scopeMetrics: [
      {
        scope: { name: 'processscraper' },
        metrics: [
          {
            name: 'process.cpu.time',
            unit: 's',
            sum: {
              aggregationTemporality: 2,
              isMonotonic: true,
              dataPoints: Array.from({ length: SAMPLES }, (_, i) =>
                Object.entries({ user: userPerS, system: 0.025, wait: 0.5 }).map(([state, perS]) => ({
                  attributes: [...attrs({ state }), { key: 'process.pid', value: { intValue: String(pid) } }],
                  startTimeUnixNano: start,
                  timeUnixNano: at(i),
                  asDouble: perS * STEP_S * i,
                })),
              ).flat(),
            },
          },
          {
            name: 'process.memory.usage',
            unit: 'By',
            sum: {
              aggregationTemporality: 2,
              isMonotonic: false,
              dataPoints: Array.from({ length: SAMPLES }, (_, i) => ({
                attributes: [{ key: 'process.pid', value: { intValue: String(pid) } }],
                startTimeUnixNano: start,
                timeUnixNano: at(i),
                asInt: String(rssMiB * 1024 * 1024),
              })),
            },
          },
        ],
      },
    ],
  });
  return { resourceMetrics: [process(4100, 0.2, 100), process(4200, 0.05, 50)] };
}

/** The trace an exemplar links to: one internal span (not a server span: no RED series of its own). */
const EXEMPLAR_TRACE = '6e0c63257de34c92bf9efcd03927272e';
const EXEMPLAR_SPAN = '1a2b3c4d5e6f7a8b';

function tracePayload(): unknown {
  const end = Date.now() - 5000;
  return {
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'service.name': 'worker' }) },
        scopeSpans: [
          {
            scope: { name: 'app' },
            spans: [
              {
                traceId: EXEMPLAR_TRACE,
                spanId: EXEMPLAR_SPAN,
                name: 'render invoice',
                kind: 1,
                startTimeUnixNano: `${(end - 800) * 1e6}`,
                endTimeUnixNano: `${end * 1e6}`,
              },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * `app.task.duration` (s), a histogram: ten tasks in (0.1, 0.5] s for each in (1, 2] s, one point a step; the
 * newest point carries an exemplar, a slow task of the trace above.
 */
function taskDurationPayload(): unknown {
  const now = Date.now() - 1000;
  const bounds = [0.1, 0.5, 1, 2, 5];
  const dataPoints = Array.from({ length: SAMPLES }, (_, i) => {
    const fast = 10 * (i + 1);
    const slow = i + 1;
    const t = now - (SAMPLES - 1 - i) * STEP_S * 1000;
    return {
      attributes: attrs({ task: 'invoice' }),
      startTimeUnixNano: `${(now - 3600_000) * 1e6}`,
      timeUnixNano: `${t * 1e6}`,
      count: String(fast + slow),
      sum: fast * 0.3 + slow * 1.5,
      explicitBounds: bounds,
      bucketCounts: ['0', String(fast), '0', String(slow), '0', '0'],
      exemplars:
        i === SAMPLES - 2 ? [{ timeUnixNano: `${(t - 5000) * 1e6}`, asDouble: 1.5, traceId: EXEMPLAR_TRACE, spanId: EXEMPLAR_SPAN }] : [],
    };
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': 'worker' }) },
        scopeMetrics: [
          {
            scope: { name: 'app' },
            metrics: [{ name: 'app.task.duration', unit: 's', histogram: { aggregationTemporality: 2, dataPoints } }],
          },
        ],
      },
    ],
  };
}

async function send(otlpHttp: string, body: unknown, signal = 'metrics'): Promise<void> {
  const res = await fetch(`${otlpHttp}/v1/${signal}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  if (res.status !== 200) throw new Error(`${signal}: ${res.status} ${await res.text()}`);
}

function cell(p: Page, table: string, row: string, column: string) {
  return p.getByRole('table', { name: table }).locator(`tr[data-name="${row}"] td[data-column="${column}"] .figure`);
}

/** The legend entries of a chart, as read: `p95 97.5ms`. */
function legendOf(p: Page, chart: string): () => Promise<string[]> {
  const buttons = p.locator(`[data-chart="${chart}"]`).getByRole('list', { name: 'Series' }).getByRole('button');
  return async () => (await buttons.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
}

function chartCanvas(p: Page, chart: string) {
  return p.locator(`[data-chart="${chart}"] canvas`).first();
}

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-metrics-'));
  serve = await startServe(['--data-dir', join(dir, 'data')]);
  const m = /OTLP:\s+http:\/\/([\d.]+):(\d+) \(HTTP\)/.exec(serve.output());
  if (!m) throw new Error(`no OTLP port in:\n${serve.output()}`);
  const otlpHttp = `http://${m[1]}:${m[2]}`;
  await send(otlpHttp, redPayload('checkout', 'GET /cart', 1.8, 0.2));
  await send(otlpHttp, redPayload('frontend', 'GET /', 5, 0));
  await send(otlpHttp, jobsPayload());
  await send(otlpHttp, processPayload('checkout'));
  await send(otlpHttp, taskDurationPayload());
  await send(otlpHttp, tracePayload(), 'traces');
  await waitFor(
    async () => ((await serve.get<{ metrics: MetricSummaryView[] }>('/api/metrics')).metrics.length >= 4 ? true : undefined),
    20_000,
    'the metrics',
  );
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

describe('the Metrics view', () => {
  it("shows each service's rate, error ratio and latency, then an operation's charts", async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/metrics?last=15m`);
    const services = page.getByRole('table', { name: 'Services' });
    await services.locator('tr[data-name="checkout"]').waitFor({ timeout: 15_000 });
    // The busiest service first.
    expect(await services.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-name')))).toEqual([
      'frontend',
      'checkout',
    ]);
    expect(await cell(page, 'Services', 'checkout', 'rate').textContent()).toBe('2/s');
    expect(await cell(page, 'Services', 'checkout', 'errors').textContent()).toBe('10%');
    expect(await cell(page, 'Services', 'frontend', 'errors').textContent()).toBe('0%');
    expect(await cell(page, 'Services', 'checkout', 'p50').textContent()).toBe('75ms');
    expect(await cell(page, 'Services', 'checkout', 'p95').textContent()).toBe('97.5ms');
    expect(await cell(page, 'Services', 'checkout', 'p99').textContent()).toBe('99.5ms');
    // Saturation where Loupe knows the service's processes, a dash where it does not.
    expect(await cell(page, 'Services', 'checkout', 'cpu').textContent()).toBe('30%');
    expect(await cell(page, 'Services', 'checkout', 'rss').textContent()).toBe('150 MiB');
    expect(await cell(page, 'Services', 'frontend', 'cpu').textContent()).toBe('—');
    expect(await cell(page, 'Services', 'frontend', 'rss').textContent()).toBe('—');
    await expect.poll(() => paintedPixels(services.locator('tr[data-name="checkout"] td[data-column="rate"] canvas'))).toBeGreaterThan(10);
    await screenshot(page, 'metrics-services-light');
    expect(await accessibilityProblems(page), 'metrics-services-light').toEqual([]);
    // In a laptop's window the table fits: each row's Alert… link whole in view, no sideways scroll.
    await page.setViewportSize({ width: 1280, height: 800 });
    try {
      await expect
        .poll(async () => (await services.getByRole('link', { name: 'Alert…' }).first().boundingBox())?.x ?? Infinity)
        .toBeLessThan(1280 - 60);
      const overflow = await services.evaluate((t) => {
        const box = (t as unknown as { parentElement: { scrollWidth: number; clientWidth: number } }).parentElement;
        return box.scrollWidth - box.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }

    await services.getByRole('button', { name: 'checkout' }).click();
    await expect.poll(() => page.url()).toContain('service=checkout');
    const operations = page.getByRole('table', { name: 'Operations of checkout' });
    await operations.locator('tr[data-name="GET /cart"]').waitFor();
    expect(await cell(page, 'Operations of checkout', 'GET /cart', 'rate').textContent()).toBe('2/s');
    await operations.getByRole('button', { name: 'GET /cart' }).click();
    await expect.poll(() => page.url()).toContain('op=GET');
    await expect.poll(legendOf(page, 'GET /cart: latency'), { timeout: 10_000 }).toEqual(['p50 75ms', 'p95 97.5ms', 'p99 99.5ms']);
    expect(await paintedPixels(chartCanvas(page, 'GET /cart: latency'))).toBeGreaterThan(100);
    const legend = page.locator('[data-chart="GET /cart: latency"]').getByRole('list', { name: 'Series' });
    // The legend toggles its line.
    await legend.getByRole('button', { name: /p99/ }).click();
    expect(await legend.getByRole('button', { name: /p99/ }).getAttribute('aria-pressed')).toBe('false');
    await screenshot(page, 'metrics-operation-light');
  });

  it("opens the Alerts view's rule form prefilled from a service's Alert…, with the other template one click away", async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/metrics?last=15m`);
    const row = page.getByRole('table', { name: 'Services' }).locator('tr[data-name="checkout"]');
    await row.getByRole('link', { name: 'Alert…' }).click();
    await expect.poll(() => page.url()).toContain('#/alerts?');
    const form = page.getByRole('form', { name: 'Rule' });
    expect(await form.getByLabel('Name').inputValue()).toBe('CheckoutErrorRatio');
    const condition = await form.getByLabel('Condition (PromQL)').inputValue();
    expect(condition).toContain('service_name="checkout"');
    expect(condition).toContain('"status.code"="STATUS_CODE_ERROR"');
    expect(condition).toMatch(/ > 0\.05$/);
    expect(await form.getByLabel('For').inputValue()).toBe('5m');
    // The RED series hold checkout's 10% errors: the preview finds where it would have fired.
    await form.getByText(/^Would have fired 1 time/).waitFor({ timeout: 10_000 });
    await page
      .getByRole('group', { name: 'Templates on checkout' })
      .getByRole('button', { name: /^p95 latency >/ })
      .click();
    expect(await form.getByLabel('Name').inputValue()).toBe('CheckoutP95Latency');
    expect(await form.getByLabel('Condition (PromQL)').inputValue()).toMatch(/^histogram_quantile\(0\.95, .* > 500$/);
    // Or on the anomaly score the engine writes for it: "far from its usual", no threshold to pick.
    await page.getByRole('group', { name: 'Templates on checkout' }).getByRole('button', { name: 'Error ratio anomaly' }).click();
    expect(await form.getByLabel('Name').inputValue()).toBe('CheckoutErrorRatioAnomaly');
    expect(await form.getByLabel('Condition (PromQL)').inputValue()).toBe('loupe:anomaly_score:error_ratio{service_name="checkout"} > 3');
    await screenshot(page, 'alerts-template-light');
    expect(await accessibilityProblems(page), 'alerts-template').toEqual([]);
  });

  it('charts a metric from the list, split by a label, and reopens it from the URL', async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/metrics?tab=explore&last=15m`);
    await page.getByLabel('Search metrics').fill('jobs');
    const item = page.getByRole('list', { name: 'Metrics' }).getByRole('button', { name: /app\.jobs_total/ });
    await item.waitFor({ timeout: 15_000 });
    expect(await item.textContent()).toContain('counter · 2 series · worker');
    await item.click();
    const chart = 'app.jobs_total: rate per second';
    const legend = legendOf(page, chart);
    await expect.poll(legend, { timeout: 10_000 }).toEqual(['rate 4/s']);
    expect(await paintedPixels(chartCanvas(page, chart))).toBeGreaterThan(100);

    await page.getByLabel('Split by').selectOption('queue');
    await expect.poll(legend, { timeout: 10_000 }).toEqual(['email 3/s', 'sms 1/s']);
    // A filter narrows every chart: only the sms queue.
    await page.getByLabel('Filter label').selectOption('queue');
    await page.getByLabel('Filter value').fill('sms');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(legend, { timeout: 10_000 }).toEqual(['sms 1/s']);
    expect(page.url()).toContain('by=queue');
    expect(decodeURIComponent(page.url())).toContain('where=queue="sms"');

    await page.reload();
    await expect.poll(legend, { timeout: 15_000 }).toEqual(['sms 1/s']);
    expect(await page.getByLabel('Split by').inputValue()).toBe('queue');
    await expect.poll(() => paintedPixels(chartCanvas(page, chart)), { timeout: 10_000 }).toBeGreaterThan(100);
    await screenshot(page, 'metrics-explorer-light');
    expect(await accessibilityProblems(page), 'metrics-explorer-light').toEqual([]);
  });

  it('shows a PromQL mistake under the box with its position, then the chart of a good query', async () => {
    const box = page.getByLabel('PromQL');
    await box.fill('sum(rate(app_jobs_total[5m]');
    await box.press('Enter');
    const error = page.locator('#promql-error');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toMatch(/at \d+:/);
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'metrics-promql-error-light');

    await box.fill('sum by (queue) (rate({"app.jobs_total"}[5m]))');
    await box.press('Enter');
    await expect.poll(() => error.count()).toBe(0);
    // Its unit is not known: plain numbers.
    await expect.poll(legendOf(page, 'promql'), { timeout: 10_000 }).toEqual(['email 3', 'sms 1']);
    expect(await paintedPixels(chartCanvas(page, 'promql'))).toBeGreaterThan(100);
    expect(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('q')).toBe('sum by (queue) (rate({"app.jobs_total"}[5m]))');
  });

  it("draws a histogram's exemplars as dots that open their trace, and its buckets as a heatmap", async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/metrics?tab=explore&last=15m&metric=app.task.duration_seconds`);
    const chart = 'app.task.duration_seconds: p50, p95, p99';
    await expect.poll(legendOf(page, chart), { timeout: 15_000 }).toEqual(['p50 320ms', 'p95 1.45s', 'p99 1.89s']);
    // The heatmap: the two buckets tasks fell in, a cell per step with observations.
    const heatmap = chartCanvas(page, 'app.task.duration_seconds: heatmap');
    await expect.poll(() => heatmap.getAttribute('data-rows'), { timeout: 10_000 }).toBe('3');
    expect(Number(await heatmap.getAttribute('data-cells'))).toBeGreaterThan(20);
    expect(await paintedPixels(heatmap)).toBeGreaterThan(1000);
    const box = await heatmap.boundingBox();
    // A cell's tooltip: its bucket, time and rate (the slow bucket is the top row).
    await heatmap.hover({ position: { x: box!.width - 20, y: 12 } });
    await expect
      .poll(async () => (await page.locator('.cell-tip').textContent())?.trim())
      .toMatch(/^1s – 2s · \d\d:\d\d:\d\d · [\d.]+\/s$/);
    await screenshot(page, 'metrics-histogram-light');
    expect(await accessibilityProblems(page), 'metrics-histogram-light').toEqual([]);

    // The exemplar: a dot at 1.5 s, where chart.js drew it; a click opens its trace.
    const canvas = chartCanvas(page, chart);
    const dots = async (): Promise<[number, number][]> =>
      JSON.parse((await canvas.getAttribute('data-exemplars')) ?? '[]') as [number, number][];
    await expect.poll(async () => (await dots()).length, { timeout: 10_000 }).toBe(1);
    const [x, y] = (await dots())[0]!;
    await canvas.hover({ position: { x, y } });
    expect(await canvas.evaluate((c) => c.style.cursor)).toBe('pointer');
    await canvas.click({ position: { x, y } });
    await expect.poll(() => page.url()).toContain(`#/traces/${EXEMPLAR_TRACE}`);
    await page
      .getByRole('tree', { name: 'Spans of this trace' })
      .getByRole('treeitem')
      .filter({ hasText: 'render invoice' })
      .waitFor({ timeout: 10_000 });
  });

  it('completes a metric name and a label value in the PromQL box, by keyboard and by mouse', async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/metrics?tab=explore&last=15m`);
    const box = page.getByRole('combobox', { name: 'PromQL' });
    await box.click();
    await box.pressSequentially('rate(app_task_dur');
    const list = page.getByRole('listbox', { name: 'Suggestions' });
    await list.getByRole('option', { name: /app\.task\.duration_seconds_bucket/ }).waitFor({ timeout: 10_000 });
    expect(await list.getByRole('option').first().textContent()).toMatch(/app\.task\.duration_seconds_bucket\s*histogram/);
    // A dotted name is taken as a selector of its own.
    await box.press('ArrowDown');
    await box.press('ArrowUp');
    await box.press('Tab');
    await expect.poll(() => box.inputValue()).toBe('rate({"app.task.duration_seconds_bucket"}');
    expect(await list.count()).toBe(0);

    // In `{…}`: a label name, then its values.
    await box.fill('');
    await box.pressSequentially('sum by (queue) (rate({"app.jobs_total", qu');
    await list.getByRole('option', { name: /^queue/ }).waitFor();
    await box.press('Enter');
    await expect.poll(() => box.inputValue()).toBe('sum by (queue) (rate({"app.jobs_total", queue');
    await box.pressSequentially('="');
    await expect
      .poll(async () => (await list.getByRole('option').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()))
      .toEqual(['email queue', 'sms queue']);
    await box.press('Escape');
    expect(await list.count()).toBe(0);
    await box.pressSequentially('s');
    await list.getByRole('option', { name: /^sms/ }).click();
    await expect.poll(() => box.inputValue()).toBe('sum by (queue) (rate({"app.jobs_total", queue="sms"');
    await box.pressSequentially('}[5m]))');
    await box.press('Enter');
    await expect.poll(legendOf(page, 'promql'), { timeout: 10_000 }).toEqual(['sms 1']);
    await screenshot(page, 'metrics-promql-complete-light');
  });

  it('draws the overview and the explorer in dark mode', async () => {
    const dark = await launchBrowser({ colorScheme: 'dark' });
    try {
      const p = dark.page;
      for (const [name, hash, ready] of [
        ['metrics-services-dark', '#/metrics?last=15m', 'tr[data-name="checkout"] td[data-column="p95"] canvas'],
        [
          'metrics-explorer-dark',
          '#/metrics?tab=explore&last=15m&metric=app.jobs_total&by=queue',
          '[data-chart="app.jobs_total: rate per second"] canvas',
        ],
      ] as const) {
        await p.goto(`${serve.url}?token=${serve.token}${hash}`);
        await expect.poll(() => paintedPixels(p.locator(ready).first()), { timeout: 15_000 }).toBeGreaterThan(10);
        await screenshot(p, name);
        expect(await accessibilityProblems(p), name).toEqual([]);
      }
    } finally {
      await dark.close();
    }
  });
});

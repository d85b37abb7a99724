// Anomalies marked on charts, in a real Chromium against the real `loupe serve`: three hours of a
// service's RED call counters sent over OTLP/HTTP (a point a minute, 1% of calls failing), with
// ten minutes of 30% errors 40 minutes ago. The error column's sparkline of the service overview,
// the service's error-ratio chart and the Performance page show that anomaly where it was (and
// none on the request rate, which stayed flat), its tooltip says the value against its usual and
// the score, and one click on it opens the rule form on the error ratio's anomaly score, which saves.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { ROOT, startServe, type ServeProcess, tearDown } from '../support/serve-process.js';

const MINUTE = 60_000;
const MINUTES = 180;
/** The minutes (from the first) in which 30% of calls failed. */
const SPIKE = { from: 140, to: 150 };
let dir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;
/** The range every view is opened on: the three hours sent, as absolute times. */
let fromMs = 0;
let toMs = 0;

/** The calls counters of `shop` (600 a minute; 1% failed, 30% in the spike) as cumulative OTLP sums. */
async function sendCalls(otlpHttp: string): Promise<void> {
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const startNs = `${fromMs - MINUTE}000000`;
  let ok = 0;
  let failed = 0;
  const okPoints = [];
  const failedPoints = [];
  for (let m = 0; m < MINUTES; m++) {
    const errors = m >= SPIKE.from && m < SPIKE.to ? 180 : 6;
    ok += 600 - errors;
    failed += errors;
    const timeUnixNano = `${fromMs + m * MINUTE}000000`;
    const labels = (status: string) => [
      attr('span.name', 'GET /orders'),
      attr('span.kind', 'SPAN_KIND_SERVER'),
      attr('status.code', status),
    ];
    okPoints.push({ attributes: labels('STATUS_CODE_UNSET'), startTimeUnixNano: startNs, timeUnixNano, asInt: String(ok) });
    failedPoints.push({ attributes: labels('STATUS_CODE_ERROR'), startTimeUnixNano: startNs, timeUnixNano, asInt: String(failed) });
  }
  const res = await fetch(`${otlpHttp}/v1/metrics`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [attr('service.name', 'shop')] },
          scopeMetrics: [
            {
              scope: { name: 'shop' },
              metrics: [
                {
                  name: 'traces.span.metrics.calls',
                  sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [...okPoints, ...failedPoints] },
                },
              ],
            },
          ],
        },
      ],
    }),
  });
  expect(res.status, await res.text()).toBe(200);
}

/** The range in the URL. */
const rangeQuery = (): string => `from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`;

/** Where a mark sits along a box (a sparkline, a chart's plot), as shares of its width. */
async function shareOf(mark: Locator, box: { x: number; width: number }): Promise<{ left: number; right: number }> {
  const b = (await mark.boundingBox())!;
  return { left: (b.x - box.x) / box.width, right: (b.x + b.width - box.x) / box.width };
}

/** The minutes the anomaly may be marked over: the spike, and the 5-minute windows that still hold it. */
const expected = { left: (SPIKE.from - 1) / MINUTES, right: (SPIKE.to + 6) / MINUTES };

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) throw new Error('The renderer is not built: run `npm run build`.');
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-anomalies-'));
  serve = await startServe(['--data-dir', join(dir, 'data')]);
  const m = /OTLP:\s+http:\/\/([\d.]+):(\d+) \(HTTP\)/.exec(serve.output());
  if (!m) throw new Error(`no OTLP port in:\n${serve.output()}`);
  toMs = Math.floor(Date.now() / MINUTE) * MINUTE;
  fromMs = toMs - MINUTES * MINUTE;
  await sendCalls(`http://${m[1]}:${m[2]}`);
  browser = await launchBrowser();
  page = await browser.context.newPage();
}, 60_000);

afterAll(() => tearDown(dir, browser, serve));

describe('anomalies on charts', () => {
  it("marks the error spike on the service's errors sparkline, where it was, with the value against its usual", async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/metrics?${rangeQuery()}`);
    const row = page.getByRole('table', { name: 'Services' }).locator('tr[data-name="shop"]');
    const errors = row.locator('td[data-column="errors"]');
    const mark = errors.locator('.anomaly-mark');
    await mark.waitFor({ timeout: 20_000 });
    expect(await mark.count()).toBe(1);
    // The request rate stayed flat: nothing marked there.
    expect(await row.locator('td[data-column="rate"] .anomaly-mark').count()).toBe(0);
    const title = (await mark.getAttribute('title'))!;
    expect(title).toMatch(/^Error ratio of shop above its usual: 30% against 1% \(30×\), score \d+\.\d, \d\d:\d\d–\d\d:\d\d\./);
    const where = await shareOf(mark, (await errors.locator('canvas').boundingBox())!);
    expect(where.left).toBeGreaterThanOrEqual(expected.left);
    expect(where.right).toBeLessThanOrEqual(expected.right + 0.03); // a mark is at least 3 px wide
    expect(where.right).toBeGreaterThan(SPIKE.to / MINUTES);
    await screenshot(page, 'anomalies-overview-light');
    expect(await accessibilityProblems(page), 'anomalies-overview').toEqual([]);
  });

  it("shades it on the service's error ratio chart, and one click opens the rule on its anomaly score", async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/metrics?service=shop&${rangeQuery()}`);
    const chart = page.locator('figure[data-chart="shop: error ratio"]');
    const mark = chart.locator('.anomaly-mark');
    await mark.waitFor({ timeout: 20_000 });
    expect(await mark.count()).toBe(1);
    expect(await page.locator('figure[data-chart="shop: requests"] .anomaly-mark').count()).toBe(0);
    expect(await mark.getAttribute('title')).toMatch(/^Error ratio of shop above its usual: 30% against 1%/);
    // Along the plot's time axis: where the chart says it runs in its canvas.
    const canvas = chart.locator('canvas');
    const [left, width] = JSON.parse((await canvas.getAttribute('data-plot'))!) as [number, number];
    const where = await shareOf(mark, { x: (await canvas.boundingBox())!.x + left, width });
    expect(where.left).toBeGreaterThanOrEqual(expected.left);
    expect(where.right).toBeLessThanOrEqual(expected.right);
    expect(where.right).toBeGreaterThan(SPIKE.to / MINUTES);
    await screenshot(page, 'anomalies-chart-light');
    expect(await accessibilityProblems(page), 'anomalies-chart').toEqual([]);

    await mark.click();
    await expect.poll(() => page.url()).toContain('#/alerts?');
    const form = page.getByRole('form', { name: 'Rule' });
    expect(await form.getByLabel('Name').inputValue()).toBe('ShopErrorRatioAnomaly');
    expect(await form.getByLabel('Condition (PromQL)').inputValue()).toBe('loupe:anomaly_score:error_ratio{service_name="shop"} > 3');
    expect(await form.getByLabel('For').inputValue()).toBe('2m');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page.locator('tr[data-rule="ShopErrorRatioAnomaly"]').waitFor();
    expect(readFileSync(join(dir, 'data', 'rules', 'rules.yml'), 'utf8')).toContain(
      'expr: loupe:anomaly_score:error_ratio{service_name="shop"} > 3',
    );
  });

  it('lists it on the Performance page with its value, usual and score, and the rule one click away', async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/performance?${rangeQuery()}`);
    const row = page.getByRole('table', { name: 'Anomalies' }).locator('tr[data-anomaly="error_ratio"]');
    await row.waitFor({ timeout: 20_000 });
    expect(await row.locator('td').allTextContents()).toEqual([
      'shop',
      'Error ratio ↑',
      expect.stringMatching(/ – /),
      '30%',
      '1%',
      expect.stringMatching(/^\d+\.\d$/),
      expect.stringContaining('alert…'),
    ]);
    expect(await row.getByRole('link', { name: 'alert…' }).getAttribute('href')).toBe(
      '#/alerts?new=anomaly&signal=error_ratio&service=shop',
    );
    expect(await accessibilityProblems(page), 'anomalies-performance').toEqual([]);
  });
});

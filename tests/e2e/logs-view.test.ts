// The Logs and Sources views in a real Chromium against the real `loupe serve`, with log files
// written while the test runs (Python logging lines, and structlog's JSON from the real library).
// Screenshots of each view go to test-results/ (light and dark).
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, launchBrowser, paintedPixels, screenshot, type TestBrowser } from '../support/browser.js';
import { pythonLine } from '../support/log-lines.js';
import { ROOT, startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

let dir: string;
let logs: string;
let appLog: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

function ago(seconds: number): Date {
  return new Date(Date.now() - seconds * 1000);
}

const TRACEBACK = [
  'Traceback (most recent call last):',
  // A long path: with the detail panel open it is wider than the list, and must wrap, not be cut.
  '  File "/srv/app/services/billing/handlers/payments/providers/stripe_gateway_integration/charge_customer_card.py", line 421, in charge',
  '    total = amount / quantity',
  '            ~~~~~~~^~~~~~~~~~',
  'ZeroDivisionError: division by zero',
].join('\n');

async function shot(name: string): Promise<void> {
  await screenshot(page, name);
}

async function search(query: string): Promise<void> {
  const box = page.getByRole('searchbox', { name: 'Search logs' });
  await box.fill(query);
  await box.press('Enter');
}

function rows() {
  return page.getByRole('grid', { name: 'Log records' }).getByRole('row');
}

/** The list's status line ("43 records", "311 of 433 records loaded · …"). */
function statusText(): Promise<string | null> {
  return page.locator('section[aria-label="Log list"] > .status > span').first().textContent();
}

/** Whether an element's text is wider than the element (cut at its right edge, or scrolling). */
function overflows(el: Locator): Promise<boolean> {
  return el.evaluate((e) => {
    const box = e as unknown as { scrollWidth: number; clientWidth: number };
    return box.scrollWidth > box.clientWidth + 1;
  });
}

/** structlog's JSONRenderer (Debian's python3-structlog), writing to `path`: an API's records with fields. */
const STRUCTLOG = `
import sys, structlog
out = open(sys.argv[1], "a")
structlog.configure(
    processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso", utc=True), structlog.processors.JSONRenderer()],
    logger_factory=structlog.PrintLoggerFactory(file=out),
)
log = structlog.get_logger()
for i in range(12):
    log.info("checkout finished", request_id=f"req-{i:03d}", path="/cart/checkout", method="POST", duration_ms=13.5 + i * 7.25, user_id=40 + i % 5)
log.info("payment accepted by the upstream processor after fraud screening and the 3-D Secure challenge completed for the whole basket",
         request_id="req-900", region="eu-west-1", basket_items=7, currency="EUR", user_id=42)
`;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) throw new Error('The renderer is not built: run `npm run build`.');
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-'));
  logs = join(dir, 'logs');
  mkdirSync(logs);
  appLog = join(logs, 'app.log');
  let text = '';
  for (let i = 0; i < 40; i++) {
    const logger = ['app.db', 'app.db.pool', 'app.http', 'worker'][i % 4]!;
    const level = i % 10 === 3 ? 'WARNING' : 'INFO';
    text += pythonLine(ago(600 - i * 10), logger, level, `request ${i} handled user_id=${i % 3}`);
  }
  text += pythonLine(ago(150), 'app.billing', 'ERROR', `charge failed for order 1234\n${TRACEBACK}`);
  text += pythonLine(ago(149), 'app.billing', 'INFO', 'retry scheduled for order 1234');
  text += pythonLine(ago(148), 'app.http', 'ERROR', 'upstream timeout after 30s');
  writeFileSync(appLog, text);
  execFileSync('/usr/bin/python3', ['-c', STRUCTLOG, join(logs, 'api.log')]);
  serve = await startServe(['--data-dir', join(dir, 'data'), logs]);
  await waitFor(
    async () => ((await serve.get<{ records: unknown[] }>('/api/logs?limit=100')).records.length >= 56 ? true : undefined),
    30_000,
    'the log files to be read',
  );
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

describe('Loupe in a browser', () => {
  it('refuses the page without the token (401)', async () => {
    const res = await page.goto(serve.url);
    expect(res?.status()).toBe(401);
  });

  it('shows the history, and a new line appears in the live tail', async () => {
    await page.goto(`${serve.url}?token=${serve.token}`);
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBeGreaterThan(10);
    await page.getByText('upstream timeout after 30s').first().waitFor();

    const marker = `live line ${Date.now()}`;
    appendFileSync(appLog, pythonLine(new Date(), 'app.live', 'WARNING', marker));
    await page.getByRole('row').filter({ hasText: marker }).waitFor({ timeout: 10_000 });
    await shot('logs-light');
    expect(await accessibilityProblems(page), 'logs-light').toEqual([]);
  });

  it('says one number of records, in the status line and over the histogram ("1 record" for one)', async () => {
    const legend = page.locator('.histogram .total');
    await search('"upstream timeout"');
    await expect.poll(statusText, { timeout: 10_000 }).toBe('1 record');
    await expect.poll(() => legend.textContent(), { timeout: 10_000 }).toBe('1 record');
    await search('');
    await expect
      .poll(
        async () => {
          const [status, total] = [await statusText(), await legend.textContent()];
          return status === total && /^\d+ records$/.test(status ?? '') ? status : `${status} / ${total}`;
        },
        { timeout: 10_000 },
      )
      .toMatch(/^\d+ records$/);
  });

  it('narrows the list with a query, and underlines a mistake where it is', async () => {
    const before = await rows().count();
    await search('level:error');
    await expect
      .poll(
        async () => {
          const levels = await page.locator('[role=row][data-level]').evaluateAll((els) => els.map((e) => e.getAttribute('data-level')));
          return levels.length > 0 && levels.length < before && levels.every((l) => l === 'error');
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(page.url()).toContain('q=level%3Aerror');

    await search('level:error (timeout');
    const alert = page.locator('#log-search-error');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/\S/);
    await page.locator('.mistake').waitFor();
    // Nothing runs for a search that cannot be read: no counts, no "Live".
    await page.getByRole('complementary', { name: 'Facets' }).getByText('Nothing to count: the search failed.').waitFor();
    expect(await page.locator('.histogram .legend').textContent()).not.toMatch(/records|Counting/);
    expect(await statusText()).toBe('Nothing shown: the search failed');
    expect(await page.locator('.status .live').count()).toBe(0);
    await shot('logs-query-error');
    expect(await accessibilityProblems(page), 'logs-query-error').toEqual([]);
    await search('');
  });

  it('shows the rows of a search with a hyphen in a word (its mark once made the whole list fail)', async () => {
    await search('request-12');
    await rows().filter({ hasText: 'request 12 handled' }).waitFor({ timeout: 10_000 });
    await search('');
  });

  it('reads NOT as an exclusion, in the history and the live tail alike', async () => {
    await search('order NOT retry');
    await rows().filter({ hasText: 'charge failed for order 1234' }).waitFor({ timeout: 10_000 });
    expect(await rows().filter({ hasText: 'retry scheduled for order 1234' }).count()).toBe(0);
    appendFileSync(
      appLog,
      pythonLine(new Date(), 'app.billing', 'INFO', 'retry scheduled for order 77') +
        pythonLine(new Date(), 'app.billing', 'INFO', 'order 77 shipped'),
    );
    await rows().filter({ hasText: 'order 77 shipped' }).waitFor({ timeout: 10_000 });
    expect(await rows().filter({ hasText: 'retry scheduled for order 77' }).count()).toBe(0);
    await search('');
  });

  it('draws the volume histogram', async () => {
    const canvas = page.locator('.histogram canvas');
    await expect.poll(async () => Number(await canvas.getAttribute('data-total')), { timeout: 10_000 }).toBeGreaterThan(0);
    const box = await canvas.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(box!.height).toBeGreaterThan(30);
    expect(await paintedPixels(canvas)).toBeGreaterThan(100);
    // The records span the last ten minutes of "the last hour": the chart starts where they do…
    await page.locator('.histogram .hint').filter({ hasText: 'from the first record' }).waitFor();
    expect(Date.now() - Date.parse((await canvas.getAttribute('data-from')) ?? '')).toBeLessThan(20 * 60_000);
    // …and its axis is labelled on round times, a step apart, each label once. (Run near midnight,
    // the chart crosses it: its midnight is labelled with its day alone, "Dec 2", and over two days
    // its times with their day, "Dec 1 23:50".)
    const ticks = ((await canvas.getAttribute('data-ticks')) ?? '').split(',');
    expect(ticks.length).toBeGreaterThan(3);
    expect(new Set(ticks).size).toBe(ticks.length);
    const minutes = ticks.map((t) => {
      expect(t).toMatch(/^(?:[A-Z][a-z]{2} \d{1,2}|(?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d)$/);
      const time = /(\d\d):(\d\d)$/.exec(t);
      return time ? Number(time[1]) * 60 + Number(time[2]) : 0;
    });
    const steps = new Set(minutes.slice(1).map((m, i) => (m - minutes[i]! + 1440) % 1440));
    expect(steps.size).toBe(1);
    const step = [...steps][0]!;
    expect([1, 2, 5, 10, 15, 30]).toContain(step);
    expect(minutes.every((m) => m % step === 0)).toBe(true);
  });

  it('shows the fields a search names in the row, marks what it looks for, and filters from the detail', async () => {
    await search('user_id:42 payment');
    const row = rows().filter({ hasText: 'payment accepted' });
    await row.waitFor({ timeout: 10_000 });
    // The searched field stays in view although the message alone is wider than the row.
    const field = row.locator('.searched .kv');
    expect(await field.textContent()).toBe('user_id=42');
    const [fieldBox, cellBox] = [await field.boundingBox(), await row.locator('.msg').boundingBox()];
    expect(fieldBox!.x + fieldBox!.width).toBeLessThanOrEqual(cellBox!.x + cellBox!.width + 1);
    expect(await row.locator('.first .k').first().textContent()).toBe('user_id=');
    expect(await row.locator('mark').allTextContents()).toEqual(['payment', '42']);
    // structlog records have no logger: nothing stands in for one.
    expect(await row.locator('.logger').textContent()).toBe('');
    expect(await row.locator('.logger').getAttribute('title')).toBeNull();
    await shot('logs-fields-light');
    expect(await accessibilityProblems(page), 'logs-fields-light').toEqual([]);

    await row.locator('.time').click();
    const detail = page.getByRole('complementary', { name: 'Record detail' });
    await detail.waitFor();
    expect(await detail.locator('mark').allTextContents()).toEqual(['payment', '42']);
    const box = page.getByRole('searchbox', { name: 'Search logs' });
    await detail.getByRole('button', { name: 'Filter for currency:EUR' }).click();
    await expect.poll(() => box.inputValue()).toBe('user_id:42 payment currency:EUR');
    await detail.getByRole('button', { name: 'Filter out region:eu-west-1' }).click();
    await expect.poll(() => box.inputValue()).toBe('user_id:42 payment currency:EUR -region:eu-west-1');
    expect(await detail.getByRole('button', { name: 'Filter out region:eu-west-1' }).getAttribute('aria-pressed')).toBe('true');
    await rows().filter({ hasText: 'payment accepted' }).waitFor({ state: 'detached', timeout: 10_000 });
    await shot('logs-detail-filters');
    expect(await accessibilityProblems(page), 'logs-detail-filters').toEqual([]);
    await detail.getByRole('button', { name: 'Close record detail' }).click();
    await search('');
  });

  it('shows a numeric field with a value per record as its range, not a list of values', async () => {
    await search('"checkout finished"');
    const facet = page.getByRole('region', { name: 'Attribute duration_ms' });
    await facet.getByRole('img', { name: 'duration_ms from 13.5 to 93.3' }).waitFor({ timeout: 10_000 });
    expect(await facet.getByRole('button').count()).toBe(0);
    // A few distinct numbers are still values to click.
    await page
      .getByRole('region', { name: 'Attribute user_id' })
      .getByRole('button', { name: /^42 \d+: include user_id:42$/ })
      .waitFor();
    await shot('logs-numeric-facet');
    await search('');
  });

  it('edits the query text from a facet click (include, and alt-click to exclude)', async () => {
    await page.getByRole('button', { name: /^db \d+: include logger:app\.db$/ }).click();
    const box = page.getByRole('searchbox', { name: 'Search logs' });
    await expect.poll(() => box.inputValue()).toBe('logger:app.db');
    await page.getByRole('button', { name: /^warn \d+: include level:warn$/ }).click({ modifiers: ['Alt'] });
    await expect.poll(() => box.inputValue()).toBe('logger:app.db -level:warn');
    await expect
      .poll(
        async () => {
          const loggers = await page.locator('[role=row] .logger').allTextContents();
          return loggers.length > 0 && loggers.every((l) => l.startsWith('app.db'));
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    await search('');
  });

  it('expands a traceback in place and shows its neighbours as context', async () => {
    const row = page.getByRole('row').filter({ hasText: 'charge failed for order 1234' });
    expect(await row.locator('.first').textContent()).toBe('charge failed for order 1234 +5 lines');
    await row.getByRole('button', { name: 'Expand record' }).click();
    await row.locator('.final').filter({ hasText: 'ZeroDivisionError: division by zero' }).waitFor();
    expect(await row.getByRole('button', { name: 'Collapse record' }).getAttribute('aria-expanded')).toBe('true');
    await shot('logs-expanded');
    expect(await accessibilityProblems(page), 'logs-expanded').toEqual([]);

    await row.locator('.time').click();
    const detail = page.getByRole('complementary', { name: 'Record detail' });
    await detail.waitFor();
    await detail.getByRole('button', { name: 'Show context' }).click();
    const context = detail.getByRole('list', { name: 'Records around this one in its file' });
    await context.getByText('retry scheduled for order 1234').waitFor();
    await context.getByText('request 39 handled').waitFor();
    // With the panel open the list is narrow: the long frame wraps in the row and in the panel, its
    // line number in view, and the row is as tall as its wrapped lines.
    const more = row.locator('.more');
    expect(await more.textContent()).toContain('charge_customer_card.py", line 421, in charge');
    await expect.poll(() => overflows(more)).toBe(false);
    await expect
      .poll(async () => {
        const [final, whole] = [await row.locator('.final').boundingBox(), await row.boundingBox()];
        return final!.y + final!.height <= whole!.y + whole!.height + 1;
      })
      .toBe(true);
    expect(await overflows(detail.locator('.box .message'))).toBe(false);
    await shot('logs-detail');
    expect(await accessibilityProblems(page), 'logs-detail').toEqual([]);
    await detail.getByRole('button', { name: 'Close record detail' }).click();
  });

  it('has keyboard shortcuts: / focuses the search, ? opens the help', async () => {
    await page.locator('body').click({ position: { x: 700, y: 5 } });
    await page.getByRole('grid', { name: 'Log records' }).focus();
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('log-search');
    await page.getByRole('grid', { name: 'Log records' }).focus();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await shot('help-light');
    expect(await accessibilityProblems(page), 'help-light').toEqual([]);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
  });

  it('adds a source through the UI and its lines start flowing', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    const workerLog = join(other, 'worker.log');
    writeFileSync(workerLog, pythonLine(ago(5), 'celery.worker', 'INFO', 'worker booted'));
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByLabel('Folder or file to watch').fill(other);
    await page.getByRole('button', { name: 'Add source' }).click();
    await page.getByRole('heading', { name: other }).waitFor();
    appendFileSync(workerLog, pythonLine(new Date(), 'celery.worker', 'INFO', 'task flowed through the new source'));
    await page.getByRole('cell', { name: workerLog }).waitFor({ timeout: 10_000 });
    // The OTLP receiver is a source too: where to point an SDK, and what arrived.
    const otlp = page.getByRole('region', { name: 'OpenTelemetry (OTLP)' });
    await otlp.waitFor();
    expect(await otlp.textContent()).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:\d+/);
    await shot('sources-light');
    expect(await accessibilityProblems(page), 'sources-light').toEqual([]);

    // Forcing a format goes to the engine and shows on the card.
    await page.getByRole('combobox', { name: `Format of ${other}` }).selectOption('python');
    await waitFor(
      async () => {
        const sources = await serve.get<{ sources?: { path: string; format?: string }[] } | { path: string; format?: string }[]>(
          '/api/sources',
        );
        const list = Array.isArray(sources) ? sources : (sources.sources ?? []);
        return list.find((s) => s.path === other)?.format === 'python' ? true : undefined;
      },
      10_000,
      'the format override',
    );

    await page.getByRole('link', { name: 'Logs' }).click();
    await search('"task flowed"');
    await page.getByRole('row').filter({ hasText: 'task flowed through the new source' }).waitFor({ timeout: 10_000 });
    await search('');
  });

  it('opens the same view after a reload, and the other views open', async () => {
    await search('level:warn+');
    await page.reload();
    await expect.poll(() => page.getByRole('searchbox', { name: 'Search logs' }).inputValue()).toBe('level:warn+');
    // A trace no span of which has arrived says so; the Metrics view has no service yet, and its
    // explorer lists what arrived: the log volume Loupe counts from the files it reads (15 s flush).
    await page.goto(`${serve.url}#/traces/4bf92f3577b34da6a3ce929d0e0e4736`);
    await page.getByText('have arrived (yet)').waitFor();
    const logVolume = async (): Promise<true | undefined> =>
      (await serve.get<{ metrics: { name: string }[] }>('/api/metrics')).metrics.some((m) => m.name === 'loupe.log.records')
        ? true
        : undefined;
    await waitFor(logVolume, 30_000, 'the log volume to be flushed');
    await page.goto(`${serve.url}#/metrics`);
    await page.getByText('No service has served a request in this range.').waitFor();
    await page.goto(`${serve.url}#/metrics?tab=explore`);
    await page.getByRole('list', { name: 'Metrics' }).getByText('loupe.log.records_total', { exact: true }).waitFor({ timeout: 30_000 });
  });

  it('looks right in dark mode too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${serve.url}#/logs`);
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBeGreaterThan(10);
    await expect
      .poll(async () => Number(await page.locator('.histogram canvas').getAttribute('data-total')), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await shot('logs-dark');
    expect(await accessibilityProblems(page), 'logs-dark').toEqual([]);
    await page.getByRole('row').filter({ hasText: 'charge failed for order 1234' }).locator('.time').click();
    await page.getByRole('complementary', { name: 'Record detail' }).getByRole('button', { name: 'Show context' }).click();
    await page.getByRole('list', { name: 'Records around this one in its file' }).waitFor();
    await shot('logs-detail-dark');
    expect(await accessibilityProblems(page), 'logs-detail-dark').toEqual([]);
    await page.getByRole('button', { name: 'Close record detail' }).click();
    await search('user_id:42 payment');
    await rows().filter({ hasText: 'payment accepted' }).locator('.time').click();
    await page.getByRole('complementary', { name: 'Record detail' }).getByRole('button', { name: 'Filter for currency:EUR' }).waitFor();
    await shot('logs-fields-dark');
    expect(await accessibilityProblems(page), 'logs-fields-dark').toEqual([]);
    await page.getByRole('button', { name: 'Close record detail' }).click();
    await search('"checkout finished"');
    await page.getByRole('img', { name: 'duration_ms from 13.5 to 93.3' }).waitFor({ timeout: 10_000 });
    await shot('logs-numeric-facet-dark');
    expect(await accessibilityProblems(page), 'logs-numeric-facet-dark').toEqual([]);
    await search('');
    await page.goto(`${serve.url}#/sources`);
    await page.getByRole('heading', { name: 'Sources' }).waitFor();
    await page.getByRole('cell').first().waitFor();
    await shot('sources-dark');
    expect(await accessibilityProblems(page), 'sources-dark').toEqual([]);
  });
});

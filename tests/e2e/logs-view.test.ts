// The Logs and Sources views in a real Chromium against the real `loupe serve`, with log files
// written while the test runs. Screenshots of each view go to test-results/ (light and dark).
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, launchBrowser, paintedPixels, screenshot, type TestBrowser } from '../support/browser.js';
import { pythonLine } from '../support/log-lines.js';
import { ROOT, startServe, waitFor, type ServeProcess } from '../support/serve-process.js';


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
  '  File "/srv/app/billing.py", line 42, in charge',
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
  serve = await startServe(['--data-dir', join(dir, 'data'), logs]);
  await waitFor(async () => ((await serve.get<{ records: unknown[] }>('/api/logs?limit=100')).records.length >= 43 ? true : undefined), 30_000, 'the log file to be read');
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

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

  it('narrows the list with a query, and underlines a mistake where it is', async () => {
    const before = await rows().count();
    await search('level:error');
    await expect.poll(async () => {
      const levels = await page.locator('[role=row][data-level]').evaluateAll((els) => els.map((e) => e.getAttribute('data-level')));
      return levels.length > 0 && levels.length < before && levels.every((l) => l === 'error');
    }, { timeout: 10_000 }).toBe(true);
    expect(page.url()).toContain('q=level%3Aerror');

    await search('level:error (timeout');
    const alert = page.locator('#log-search-error');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/\S/);
    await page.locator('.mistake').waitFor();
    await shot('logs-query-error');
    expect(await accessibilityProblems(page), 'logs-query-error').toEqual([]);
    await search('');
  });

  it('draws the volume histogram', async () => {
    const canvas = page.locator('.histogram canvas');
    await expect.poll(async () => Number(await canvas.getAttribute('data-total')), { timeout: 10_000 }).toBeGreaterThan(0);
    const box = await canvas.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(box!.height).toBeGreaterThan(30);
    expect(await paintedPixels(canvas)).toBeGreaterThan(100);
  });

  it('edits the query text from a facet click (include, and alt-click to exclude)', async () => {
    await page.getByRole('button', { name: /^db \d+: include logger:app\.db$/ }).click();
    const box = page.getByRole('searchbox', { name: 'Search logs' });
    await expect.poll(() => box.inputValue()).toBe('logger:app.db');
    await page.getByRole('button', { name: /^warn \d+: include level:warn$/ }).click({ modifiers: ['Alt'] });
    await expect.poll(() => box.inputValue()).toBe('logger:app.db -level:warn');
    await expect.poll(async () => {
      const loggers = await page.locator('[role=row] .logger').allTextContents();
      return loggers.length > 0 && loggers.every((l) => l.startsWith('app.db'));
    }, { timeout: 10_000 }).toBe(true);
    await search('');
  });

  it('expands a traceback in place and shows its neighbours as context', async () => {
    const row = page.getByRole('row').filter({ hasText: 'charge failed for order 1234' });
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
    await waitFor(async () => {
      const sources = await serve.get<{ sources?: { path: string; format?: string }[] } | { path: string; format?: string }[]>('/api/sources');
      const list = Array.isArray(sources) ? sources : (sources.sources ?? []);
      return list.find((s) => s.path === other)?.format === 'python' ? true : undefined;
    }, 10_000, 'the format override');

    await page.getByRole('link', { name: 'Logs' }).click();
    await search('"task flowed"');
    await page.getByRole('row').filter({ hasText: 'task flowed through the new source' }).waitFor({ timeout: 10_000 });
    await search('');
  });

  it('opens the same view after a reload, and the other views open', async () => {
    await search('level:warn+');
    await page.reload();
    await expect.poll(() => page.getByRole('searchbox', { name: 'Search logs' }).inputValue()).toBe('level:warn+');
    // A trace no span of which has arrived says so; the Metrics view lists what arrived (nothing yet).
    await page.goto(`${serve.url}#/traces/4bf92f3577b34da6a3ce929d0e0e4736`);
    await page.getByText('have arrived (yet)').waitFor();
    await page.goto(`${serve.url}#/metrics`);
    await page.getByText('No metrics have arrived.').waitFor();
  });

  it('looks right in dark mode too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${serve.url}#/logs`);
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBeGreaterThan(10);
    await expect.poll(async () => Number(await page.locator('.histogram canvas').getAttribute('data-total')), { timeout: 10_000 }).toBeGreaterThan(0);
    await shot('logs-dark');
    expect(await accessibilityProblems(page), 'logs-dark').toEqual([]);
    await page.getByRole('row').filter({ hasText: 'charge failed for order 1234' }).locator('.time').click();
    await page.getByRole('complementary', { name: 'Record detail' }).getByRole('button', { name: 'Show context' }).click();
    await page.getByRole('list', { name: 'Records around this one in its file' }).waitFor();
    await shot('logs-detail-dark');
    expect(await accessibilityProblems(page), 'logs-detail-dark').toEqual([]);
    await page.goto(`${serve.url}#/sources`);
    await page.getByRole('heading', { name: 'Sources' }).waitFor();
    await page.getByRole('cell').first().waitFor();
    await shot('sources-dark');
    expect(await accessibilityProblems(page), 'sources-dark').toEqual([]);
  });
});

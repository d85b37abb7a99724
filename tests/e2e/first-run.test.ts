// The first minutes with Loupe: an empty database says how to get data in; a search that matches
// nothing in the range says where its newest match is, one click away.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { pythonLine } from '../support/log-lines.js';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.js';

let dir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-first-run-'));
  serve = await startServe(['--data-dir', join(dir, 'data')]);
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('a first start', () => {
  it('says how to get data in, then finds records outside the time range', async () => {
    // Nothing the page loads fails (the tab's icon included): no error in the browser's console.
    const failures: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') failures.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${serve.url}?token=${serve.token}#/logs`);
    const empty = page.getByRole('status').filter({ hasText: 'Nothing here yet.' });
    await empty.waitFor({ timeout: 10_000 });
    await empty.getByText(/OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:\d+/).waitFor({ timeout: 10_000 });
    // …or to try the demo service that comes with Loupe.
    expect(await empty.textContent()).toContain('npm run demo');
    await screenshot(page, 'logs-first-run');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'logs-first-run-dark');
    expect(await accessibilityProblems(page), 'logs-first-run-dark').toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    // The Traces view names the receiver's real ports (here not the standard ones).
    const status = await serve.get<{ otlp: { httpPort: number; grpcPort: number } }>('/api/status');
    await page.goto(`${serve.url}#/traces`);
    await page.getByText(`http://127.0.0.1:${status.otlp.httpPort}`).waitFor({ timeout: 10_000 });
    await page.getByText(`127.0.0.1:${status.otlp.grpcPort}`, { exact: true }).waitFor();
    await page.getByText('npm run demo').waitFor();
    expect(failures).toEqual([]);
    await page.goto(`${serve.url}#/logs`);

    // Yesterday's log, added as a source: "last hour" shows nothing, but says where it is.
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const yesterday = new Date(Date.now() - 26 * 3600_000);
    writeFileSync(join(logs, 'old.log'), pythonLine(yesterday, 'app.nightly', 'ERROR', 'nightly job failed'));
    await postSource(logs);
    await waitFor(async () => ((await serve.get<{ records: unknown[] }>('/api/logs')).records.length === 1 ? true : undefined));
    await page.reload();
    const none = page.getByRole('status').filter({ hasText: 'No records match this search in this time range' });
    await none.waitFor({ timeout: 10_000 });
    await none.getByRole('button', { name: 'Show it' }).click();
    await page.getByRole('complementary', { name: 'Record detail' }).getByText('nightly job failed').first().waitFor({ timeout: 10_000 });
    await page.getByRole('row').filter({ hasText: 'nightly job failed' }).waitFor();
    expect(page.url()).toMatch(/from=.*to=.*record=\d+/);
  });

  it('puts history that arrives while the view follows the tail in its place, not at the bottom', async () => {
    const live = join(dir, 'live');
    mkdirSync(live);
    writeFileSync(join(live, 'now.log'), pythonLine(new Date(), 'app.live', 'INFO', 'written just now'));
    await postSource(live);
    await page.goto(`${serve.url}#/logs?last=24h`);
    const rows = page.getByRole('grid', { name: 'Log records' }).getByRole('row');
    await rows.filter({ hasText: 'written just now' }).waitFor({ timeout: 10_000 });
    // A folder with two hours of history is added while the view is open and following.
    const history = join(dir, 'history');
    mkdirSync(history);
    let text = '';
    for (let i = 0; i < 50; i++)
      text += pythonLine(new Date(Date.now() - 2 * 3600_000 + i * 1000), 'app.batch', 'INFO', `history line ${i}`);
    writeFileSync(join(history, 'batch.log'), text);
    await postSource(history);
    await rows.filter({ hasText: 'history line 49' }).waitFor({ timeout: 15_000 });
    const texts = await rows.allTextContents();
    const at = (needle: string): number => texts.findIndex((t) => t.includes(needle));
    expect(at('history line 0')).toBeLessThan(at('history line 49'));
    expect(at('history line 49')).toBeLessThan(at('written just now'));
  });

  it('loads a view other than Logs when first opened, and says so when it cannot', async () => {
    // A fresh page: the Logs view's code only; the Traces view's own file comes with its first visit.
    const fresh = await browser.context.newPage();
    const scripts: string[] = [];
    fresh.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    await fresh.goto(`${serve.url}#/logs`);
    await fresh.getByRole('grid', { name: 'Log records' }).waitFor({ timeout: 10_000 });
    expect(scripts.some((s) => s.includes('TracesView'))).toBe(false);
    // The server went away under the open page (e.g. Loupe was updated): the view's file fails.
    await fresh.route('**/*TracesView*', (r) => r.abort());
    await fresh.getByRole('link', { name: 'Traces' }).click();
    const failed = fresh.getByRole('alert').filter({ hasText: 'This view could not be loaded' });
    await failed.waitFor({ timeout: 10_000 });
    expect(await failed.textContent()).toContain('Reload the page');
    await fresh.unroute('**/*TracesView*');
    await fresh.reload();
    await fresh.getByRole('navigation', { name: 'Traces views' }).waitFor({ timeout: 10_000 });
    expect(await failed.count()).toBe(0);
    expect(scripts.some((s) => s.includes('TracesView'))).toBe(true);
    await fresh.close();
  });
});

async function postSource(path: string): Promise<void> {
  const res = await fetch(new URL('/api/sources', serve.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ path }),
  });
  expect(res.status).toBeLessThan(300);
}

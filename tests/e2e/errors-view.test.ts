// The Errors view and the Logs view's Patterns panel in a real Chromium against the real `loupe
// serve`: a Python program logs the same chained KeyError twice (stdlib logging.exception) among
// login lines; the list shows its group, the detail its frames as editor links and the traceback
// to copy, and its occurrences open in Logs as group:<id>; the Patterns panel lists the templates
// with the new ones since the range's start or a time typed, and a click searches pattern:<id>.
// Screenshots go to test-results/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorGroupView } from '../../shared/model.js';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { ROOT, startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

const SCRIPT = String.raw`
import logging, sys
logging.basicConfig(filename=sys.argv[1], level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
log = logging.getLogger('shop')

def currency(order):
    return order['currency']

def checkout(order):
    try:
        return currency(order)
    except KeyError as e:
        raise RuntimeError('checkout failed') from e

for i in range(30):
    log.info('user u%dx logged in from 10.0.%d.%d', i % 5, i % 3, i)
    if i % 15 == 7:
        try:
            checkout({'id': i})
        except RuntimeError:
            log.exception('order %d failed', i)
log.warning('disk /var/lib almost full: 91% used')
`;

let dir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) throw new Error('The renderer is not built: run `npm run build`.');
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-errors-'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'shop.py'), SCRIPT);
  execFileSync('/usr/bin/python3', ['-B', join(dir, 'shop.py'), join(dir, 'logs', 'shop.log')]);
  serve = await startServe(['--data-dir', join(dir, 'data'), join(dir, 'logs')]);
  await waitFor(
    async () => ((await serve.get<{ groups: ErrorGroupView[] }>('/api/errors')).groups.length === 1 ? true : undefined),
    30_000,
  );
  browser = await launchBrowser();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.url });
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

describe('the Errors view', () => {
  it('lists the group with its count, trend, first and last seen and status', async () => {
    await page.goto(`${serve.url}?token=${serve.token}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Errors' }).click();
    const row = page.getByRole('table', { name: 'Error groups' }).getByRole('row').filter({ hasText: "KeyError: 'currency'" });
    await row.waitFor({ timeout: 15_000 });
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[1]).toBe('2');
    expect(cells[5]).toBe('unresolved');
    expect(
      await row
        .getByRole('img', { name: /events over the range/ })
        .locator('rect')
        .count(),
    ).toBeGreaterThan(0);
    await screenshot(page, 'errors-list');
    expect(await accessibilityProblems(page), 'errors-list').toEqual([]);
  });

  it('shows the root cause frames as editor links, copies the traceback, and opens the occurrences in Logs', async () => {
    await page.getByRole('link', { name: "KeyError: 'currency'" }).click();
    await page.getByRole('heading', { name: "KeyError: 'currency'" }).waitFor();
    // The events' bars say when they start and end: the last hour (the view's default), to now.
    const events = page.getByRole('figure').filter({ has: page.getByRole('img', { name: 'Events over the range' }) });
    const clock = (ms: number): string => new Date(ms).toTimeString().slice(0, 5);
    const axis = await events.locator('figcaption span').allTextContents();
    expect([clock(Date.now() - 3_600_000), clock(Date.now() - 3_660_000)]).toContain(axis[0]);
    expect([clock(Date.now()), clock(Date.now() - 60_000)]).toContain(axis[1]);
    const frames = page.getByRole('region', { name: 'Traceback' }).locator('ol.frames a');
    const hrefs = await frames.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    const script = join(dir, 'shop.py').replace(/^\//, '');
    expect(hrefs).toEqual([`vscode://file/${script}:11`, `vscode://file/${script}:7`]);
    await page.getByRole('button', { name: 'Copy as text' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    const copied = await page.evaluate(() =>
      (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText(),
    );
    expect(copied).toMatch(/^Traceback \(most recent call last\):[\s\S]*KeyError: 'currency'[\s\S]*RuntimeError: checkout failed$/);
    await screenshot(page, 'errors-detail');
    expect(await accessibilityProblems(page), 'errors-detail').toEqual([]);

    await page.getByRole('link', { name: /Show 2 occurrences in Logs/ }).click();
    const list = page.getByRole('grid', { name: 'Log records' }).getByRole('row');
    await expect.poll(() => list.count(), { timeout: 10_000 }).toBe(2);
    const texts = await list.allTextContents();
    expect(texts.map((t) => /order (\d+) failed/.exec(t)?.[1]).sort()).toEqual(['22', '7']);
    expect(decodeURIComponent(page.url())).toMatch(/q=group:\d+/);
  });
});

describe('the Patterns panel', () => {
  it('lists the templates of the search with counts, the new ones highlighted, and a click searches pattern:<id>', async () => {
    const box = page.getByRole('searchbox', { name: 'Search logs' });
    await box.fill('');
    await box.press('Enter');
    await page.getByRole('button', { name: 'Patterns' }).click();
    const table = page.getByRole('table', { name: 'Log patterns' });
    const logins = table.getByRole('row').filter({ hasText: 'user <*> logged in from <IP>' });
    await logins.waitFor({ timeout: 10_000 });
    expect((await logins.getByRole('cell').allTextContents())[1]).toBe('30');
    // Everything is new in a first run: the rows say so.
    expect(await logins.getAttribute('class')).toContain('new');
    expect(await table.getByRole('row').filter({ hasText: 'disk /var/lib almost full: <NUM>% used' }).count()).toBe(1);
    const panel = page.getByRole('region', { name: 'Patterns' });
    await expect.poll(() => panel.getByRole('status').textContent()).toMatch(/^new = first seen since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    await screenshot(page, 'logs-patterns');
    expect(await accessibilityProblems(page), 'logs-patterns').toEqual([]);

    // New since a time after the program ran: nothing is new any more, and the panel says since when.
    await panel.getByRole('combobox', { name: 'New since' }).selectOption('time');
    await panel.getByLabel('New since time').fill('2099-01-01T00:00:00');
    await expect.poll(() => panel.getByRole('status').textContent()).toBe('new = first seen since 2099-01-01 00:00:00.000');
    await expect.poll(() => logins.getAttribute('class')).not.toContain('new');
    // Back to the range's start: new again.
    await panel.getByRole('combobox', { name: 'New since' }).selectOption('range');
    await expect.poll(() => logins.getAttribute('class')).toContain('new');

    await logins.getByRole('button').click();
    expect(decodeURIComponent(page.url())).toMatch(/q=pattern:\d+/);
    const list = page.getByRole('grid', { name: 'Log records' }).getByRole('row');
    await expect.poll(() => list.count(), { timeout: 10_000 }).toBe(30);
  });
});

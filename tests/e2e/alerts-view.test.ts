// The Alerts view in a real Chromium against the real `loupe serve --rules`: the firing and pending
// alerts with their labels, value and summary; the rules with their state and a rule file of the
// data dir that does not load (line:col); a rule written in the form, previewed over the last hours,
// saved into the data dir's rule file (asking for the notification permission), and firing. Screenshots go to test-results/.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { assertBuilt, startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

let dir: string;
let dataDir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-alerts-'));
  dataDir = join(dir, 'data');
  const rules = join(dir, 'rules.yml');
  writeFileSync(
    rules,
    `groups:
  - name: demo
    interval: 1s
    rules:
      - alert: DiskAlmostFull
        expr: vector(93) > 90
        labels: { severity: P2 }
        annotations: { summary: 'disk {{ $value }}% full' }
      - alert: SlowBurn
        expr: vector(1)
        for: 1h
`,
  );
  mkdirSync(join(dataDir, 'rules'), { recursive: true });
  writeFileSync(
    join(dataDir, 'rules', 'broken.yml'),
    'groups:\n  - name: broken\n    rules:\n      - alert: X\n        expr: rate(x[5m]\n',
  );
  serve = await startServe(['--data-dir', dataDir, '--rules', rules]);
  await waitFor(async () =>
    (await serve.get<{ data: { alerts: unknown[] } }>('/api/v1/alerts')).data.alerts.length === 2 ? true : undefined,
  );
  browser = await launchBrowser();
  // Counts the page's asks for the notification permission (passed on to the browser's own).
  await browser.context.addInitScript(() => {
    const g = globalThis as unknown as { __asked: number; Notification: { requestPermission(): Promise<string> } };
    const ask = g.Notification.requestPermission.bind(g.Notification);
    g.__asked = 0;
    g.Notification.requestPermission = () => {
      g.__asked++;
      return ask();
    };
  });
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

describe('the Alerts view', () => {
  it('lists what fires and what is pending, with labels, value and summary', async () => {
    await page.goto(`${serve.url}?token=${serve.token}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await expect.poll(() => page.url()).toContain('#/alerts');
    const firing = page.getByRole('list', { name: 'Firing alerts' });
    await firing.getByText('DiskAlmostFull').waitFor();
    const item = firing.getByRole('listitem');
    expect(await item.locator('.label').allTextContents()).toEqual(['severity=P2']);
    expect(await item.locator('.value').textContent()).toBe('93');
    expect(await item.locator('.summary').textContent()).toBe('disk 93% full');
    const pending = page.getByRole('list', { name: 'Pending alerts' });
    expect(await pending.getByRole('listitem').locator('.name').allTextContents()).toEqual(['SlowBurn']);
    await screenshot(page, 'alerts-active-light');
    expect(await accessibilityProblems(page), 'alerts-active').toEqual([]);
    // Dark too, with the firing alert's banner if it shows (a fixed white banner once held dark mode's light text).
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'alerts-active-dark');
    expect(await accessibilityProblems(page), 'alerts-active-dark').toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('lists the rules with their state, and the rule file that does not load with its line and column', async () => {
    await page.getByRole('tab', { name: 'Rules' }).click();
    const row = page.locator('tr[data-rule="DiskAlmostFull"]');
    await row.waitFor();
    expect(await row.locator('.state').first().textContent()).toBe('firing');
    expect(await page.locator('tr[data-rule="SlowBurn"] .state').first().textContent()).toBe('pending');
    const problem = page.getByRole('alert').filter({ hasText: 'broken.yml' });
    expect(await problem.locator('pre').textContent()).toMatch(
      /broken\.yml: 5:15: group "broken", rule 1, "X": could not parse expression: 1:\d+: parse error/,
    );
    // Rules given with --rules are read only here: no edit buttons.
    expect(await row.getByRole('button').count()).toBe(0);
    await screenshot(page, 'alerts-rules-light');
    expect(await accessibilityProblems(page), 'alerts-rules').toEqual([]);
  });

  it('writes a rule in the form, previews where it would have fired, saves it to the data dir and sees it fire', async () => {
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.getByRole('form', { name: 'Rule' });
    await form.getByLabel('Name').fill('QueueBacklog');
    await form.getByLabel('Condition (PromQL)').fill('vector(12) > 10');
    await form.getByLabel('Severity').fill('P3');
    await form.getByLabel('Summary').fill('{{ $value }} jobs waiting');
    // The condition held over the whole range: one stretch where it would have fired.
    await form.getByText('Would have fired 1 time in the last 6 hours.').waitFor({ timeout: 10_000 });
    expect(await form.locator('svg polyline').count()).toBe(1);
    expect(await form.locator('svg rect').count()).toBe(1);
    await screenshot(page, 'alerts-form-light');
    expect(await accessibilityProblems(page), 'alerts-form').toEqual([]);
    const asked = (): Promise<number> => page.evaluate(() => (globalThis as unknown as { __asked: number }).__asked);
    expect(await asked()).toBe(0);
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page.locator('tr[data-rule="QueueBacklog"]').waitFor();
    // The first rule made in the page asks for the notification permission, from the click.
    expect(await asked()).toBe(1);
    const written = readFileSync(join(dataDir, 'rules', 'rules.yml'), 'utf8');
    expect(written).toContain('alert: QueueBacklog');
    expect(written).toContain('expr: vector(12) > 10');

    await page.getByRole('tab', { name: /Alerts/ }).click();
    const firing = page.getByRole('list', { name: 'Firing alerts' });
    await firing.getByText('QueueBacklog').waitFor({ timeout: 10_000 });
    expect(await firing.getByRole('listitem').filter({ hasText: 'QueueBacklog' }).locator('.summary').textContent()).toBe(
      '12 jobs waiting',
    );
  });
});

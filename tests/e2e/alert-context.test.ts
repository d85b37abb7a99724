// An alert from a real program to the page, in a real Chromium against the real `loupe serve`: a
// Python program (stdlib logging) writes an error burst to a watched file, a log rule of the data
// dir fires, the alert manager's browser receiver makes a Web Notification in the page (permission
// granted; `new Notification` observed by wrapping the page's constructor) with the rule's summary,
// and the alert shows in the view; the notification's click opens the alert's detail with its
// context (value, threshold, the sparkline painted, the matching records, the runbook link, the new
// error group of the burst's traceback); the alert is silenced from the Silences tab and shows as
// silenced; it is acknowledged from the Notifications tab. Screenshots go to test-results/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcknowledgementView } from '../../shared/api.js';
import { accessibilityProblems, launchBrowser, paintedPixels, screenshot, type TestBrowser } from '../support/browser.js';
import { assertBuilt, startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

/** What the page's wrapped Notification constructor saw (test-only globals, typed here: no DOM library in the specs). */
interface SeenNotification {
  title: string;
  body: string;
  notification: { onclick: (() => void) | null };
}
type SpyWindow = { __notifications: SeenNotification[] };

let dir: string;
let log: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;
let fingerprint: string;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-alert-context-'));
  const dataDir = join(dir, 'data');
  mkdirSync(join(dataDir, 'rules'), { recursive: true });
  // P1: notified at once (the default configuration's group_wait 0s for P1).
  writeFileSync(
    join(dataDir, 'rules', 'payments.yml'),
    `groups:
  - name: payments
    interval: 1s
    rules:
      - alert: PaymentErrors
        logs: { query: 'level:error logger:payments', over: 5m, threshold: '> 3' }
        labels: { severity: P1, service: payments }
        annotations:
          summary: '{{ $value }} payment errors in 5 minutes'
          runbook_url: https://runbooks.example.com/payments
`,
  );
  log = join(dir, 'payments.log');
  writeFileSync(log, '');
  serve = await startServe(['--data-dir', dataDir, log]);
  browser = await launchBrowser();
  await browser.context.grantPermissions(['notifications'], { origin: new URL(serve.url).origin });
  await browser.context.addInitScript(() => {
    const w = globalThis as unknown as SpyWindow & { Notification: new (title: string, options?: { body?: string }) => object };
    const Real = w.Notification;
    w.__notifications = [];
    class Observed extends Real {
      constructor(title: string, options?: { body?: string }) {
        super(title, options);
        w.__notifications.push({ title, body: options?.body ?? '', notification: this as unknown as SeenNotification['notification'] });
      }
    }
    w.Notification = Observed;
  });
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

const seen = (p: Page): Promise<{ title: string; body: string }[]> =>
  p.evaluate(() => (globalThis as unknown as SpyWindow).__notifications.map((n) => ({ title: n.title, body: n.body })));

describe('an alert from a program to the page', () => {
  it('notifies the page when a Python error burst fires a log rule, and the alert shows in the view', async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/alerts`);
    await page.getByRole('list', { name: 'Firing alerts' }).or(page.getByText('Nothing firing.')).first().waitFor();
    const python = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import logging, sys
logging.basicConfig(filename=sys.argv[1], format='%(asctime)s %(levelname)s %(name)s: %(message)s', level=logging.INFO)
log = logging.getLogger('payments')
log.info('charging order 41')
for i in range(6):
    log.error('card processor refused the charge (order %d)', 42 + i)
try:
    {}['currency']
except KeyError:
    log.exception('charge without a currency')
`,
        log,
      ],
      { encoding: 'utf8' },
    );
    expect(python.status, python.stderr).toBe(0);
    const notes = await waitFor(async () => ((await seen(page)).length > 0 ? seen(page) : undefined), 20_000, 'a Web Notification');
    expect(notes[0]!.title).toContain('PaymentErrors');
    expect(notes[0]!.body).toMatch(/^\d+ payment errors in 5 minutes/);
    const firing = page.getByRole('list', { name: 'Firing alerts' });
    await firing.getByRole('link', { name: 'PaymentErrors' }).waitFor();
    const item = firing.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'PaymentErrors' }) });
    expect(await item.locator('.label').allTextContents()).toEqual(['service=payments', 'severity=P1']);
    // The traceback in the burst opened an error group: an alert without a rule, listed beside it.
    await firing.getByRole('link', { name: 'NewError' }).waitFor();
    // It has no value (no rule: not "0").
    const newError = firing.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'NewError' }) });
    expect(await newError.locator('.value').count()).toBe(0);
    // The timeline has its lane, firing now, and one for the alert without a rule too.
    const timeline = page.getByRole('list', { name: 'Alert timeline' });
    await timeline.locator('.bar.firing').first().waitFor();
    await timeline.getByRole('link', { name: /^NewError/ }).waitFor();
    const href = await firing.getByRole('link', { name: 'PaymentErrors' }).getAttribute('href');
    fingerprint = /alert=([0-9a-f]{16})$/.exec(href ?? '')?.[1] ?? '';
    expect(fingerprint).not.toBe('');
  });

  it("opens the alert's detail from the notification's click, with the context to act", async () => {
    await page.evaluate(() => (globalThis as unknown as SpyWindow).__notifications[0]!.notification.onclick?.());
    await expect.poll(() => page.url()).toContain('#/alerts?');
    const detail = page.getByRole('region', { name: 'Alert detail' });
    await detail.getByRole('heading', { name: 'PaymentErrors' }).waitFor();
    expect(Number(await detail.locator('dd.value').textContent())).toBeGreaterThan(3);
    expect(await detail.locator('dt:text-is("Threshold") + dd').textContent()).toBe('count over 5m > 3');
    // The log rule's own search finds the burst's records.
    const records = detail.getByRole('list', { name: 'Matching log records' });
    await records.getByText('card processor refused the charge (order 47)').waitFor();
    expect(await records.getByRole('listitem').count()).toBe(7);
    // What changed: the error group the burst's traceback opened, one click from its detail.
    const newErrors = detail.getByRole('list', { name: 'New errors' });
    const group = newErrors.getByRole('link', { name: "KeyError: 'currency'" });
    await group.waitFor();
    expect(await newErrors.getByRole('listitem').textContent()).toMatch(/^\s*New error: KeyError: 'currency'/);
    expect(await group.getAttribute('href')).toMatch(/^#\/errors\/\d+$/);
    // The sparkline of the count around the firing is drawn.
    const spark = detail.locator('canvas.spark');
    await expect.poll(() => paintedPixels(spark)).toBeGreaterThan(20);
    const runbook = detail.getByRole('link', { name: 'Runbook' });
    expect(await runbook.getAttribute('href')).toBe('https://runbooks.example.com/payments');
    expect(await runbook.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await runbook.getAttribute('target')).toBe('_blank');
    await screenshot(page, 'alerts-detail-light');
    expect(await accessibilityProblems(page), 'alerts-detail').toEqual([]);
  });

  it('silences the alert from the Silences tab: it shows as silenced', async () => {
    await page.getByRole('tab', { name: 'Silences' }).click();
    await page.getByLabel('Matchers, one per line').fill('alertname="PaymentErrors"\nservice="payments"');
    await page.getByLabel('Duration').fill('1h');
    await page.getByLabel('Comment').fill('fixing the card processor');
    await page.getByRole('button', { name: 'Silence', exact: true }).click();
    await page.getByRole('cell', { name: 'fixing the card processor' }).waitFor();
    await page.getByRole('tab', { name: /Alerts/ }).click();
    const silenced = page.getByRole('list', { name: 'Silenced alerts' });
    await silenced.getByRole('link', { name: 'PaymentErrors' }).waitFor({ timeout: 10_000 });
    expect(await silenced.locator('.why').textContent()).toMatch(/^Silenced until .*: fixing the card processor$/);
    await page.getByRole('region', { name: 'Alert detail' }).locator('.state', { hasText: 'silenced' }).waitFor();
    expect(await accessibilityProblems(page), 'alerts-silenced').toEqual([]);
  });

  it('acknowledges the alert from the Notifications tab', async () => {
    await page.getByRole('tab', { name: 'Notifications' }).click();
    const row = page.getByRole('row').filter({ hasText: 'PaymentErrors' }).filter({ hasText: 'browser' }).first();
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => row.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    const acks = await serve.get<AcknowledgementView[]>('/api/alerts/acknowledgements');
    expect(acks.map((a) => a.fingerprint)).toEqual([fingerprint]);
    await screenshot(page, 'alerts-notifications-light');
    expect(await accessibilityProblems(page), 'alerts-notifications').toEqual([]);
  });
});

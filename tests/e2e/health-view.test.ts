// The Health view in a real Chromium against the real `loupe serve --probes`: a probe of a
// --probes file shown read only, a probes file's mistake with its line:col, and a probe written in
// the editor against a real Python http.server — tested before saving, saved, its card turning
// ready with heartbeat cells — then the server made failing: the card shows down with the status
// and the body's reason. Screenshots go to test-results/ (light and dark).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { startProbedServer, type ProbedServer } from '../support/probed-server.js';
import { assertBuilt, startServe, type ServeProcess, tearDown } from '../support/serve-process.js';

let dir: string;
let dataDir: string;
let server: ProbedServer;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-health-'));
  dataDir = join(dir, 'data');
  server = await startProbedServer();
  const given = join(dir, 'given.yml');
  writeFileSync(given, `probes:\n  - name: shop-port\n    periodSeconds: 1\n    tcp: { host: 127.0.0.1, port: ${server.port} }\n`);
  const broken = join(dir, 'broken.yml');
  writeFileSync(broken, 'probes:\n  - name: worker\n    role: sometimes\n    tcp: { host: 127.0.0.1, port: 9 }\n');
  serve = await startServe(['--data-dir', dataDir, '--probes', given, '--probes', broken]);
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve, server));

describe('the Health view', () => {
  it('shows a --probes file’s probe read only, and a probes file’s mistake with its line and column', async () => {
    await page.goto(`${serve.url}?token=${serve.token}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Health' }).click();
    await expect.poll(() => page.url()).toContain('#/health');
    const card = page.getByRole('region', { name: 'Service shop-port' });
    await card.locator('.state', { hasText: 'ready' }).waitFor();
    expect(await card.getByText('read only: from given.yml (--probes)', { exact: true }).count()).toBe(1);
    expect(await card.getByRole('button').count()).toBe(0);
    const problem = page.getByRole('alert').filter({ hasText: 'Mistakes in the probes files' });
    expect(await problem.locator('pre').textContent()).toMatch(/broken\.yml:3:\d+: .*role/);
  });

  it('writes a probe in the editor, tests it before saving, saves it and sees its service ready with heartbeats', async () => {
    await page.getByRole('button', { name: 'New probe' }).click();
    const form = page.getByRole('form', { name: 'Probe' });
    await form.getByLabel('Name').fill('shop-api');
    await form.getByLabel('Role').selectOption('liveness');
    await form.getByLabel('URL').fill(`${server.url}/health`);
    await form.getByLabel('Body contains').fill('"status": "ok"');
    await form.getByLabel('Period (s)').fill('1');
    await form.getByLabel('Failure threshold').fill('1');
    await form.getByRole('button', { name: 'Test now' }).click();
    const result = form.getByLabel('Test result');
    await result.getByText(/^Passed in [\d.]+ ms · HTTP 200/).waitFor();
    // Tested, not saved: nothing in the data dir's file yet, no card.
    expect(await page.getByRole('region', { name: 'Service shop-api' }).count()).toBe(0);
    await screenshot(page, 'health-editor-light');
    expect(await accessibilityProblems(page), 'health-editor').toEqual([]);

    await form.getByRole('button', { name: 'Save probe' }).click();
    await form.waitFor({ state: 'detached' });
    const written = readFileSync(join(dataDir, 'probes.yml'), 'utf8');
    expect(written).toContain('name: shop-api');
    expect(written).toContain(`url: ${server.url}/health`);

    const card = page.getByRole('region', { name: 'Service shop-api' });
    await card.locator('.state', { hasText: /^ready$/ }).waitFor({ timeout: 15_000 });
    const probe = card.locator('[data-probe="shop-api"]');
    expect(await probe.locator('.role').textContent()).toBe('liveness');
    await expect.poll(() => probe.locator('.beat').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    expect(await probe.locator('.beat.fail').count()).toBe(0);
    expect(await probe.locator('.beat').last().getAttribute('title')).toMatch(/ms · HTTP 200 · ok$/);
    expect(await probe.locator('.uptime').textContent()).toContain('24 h 100%');
    await screenshot(page, 'health-ready-light');
    expect(await accessibilityProblems(page), 'health-ready').toEqual([]);
  });

  it('shows the service down with the failure’s status and body once the server fails', async () => {
    await server.command('fail');
    const card = page.getByRole('region', { name: 'Service shop-api' });
    // Its liveness probe down: the service is down.
    await card.locator('.state', { hasText: /^down$/ }).waitFor({ timeout: 15_000 });
    const probe = card.locator('[data-probe="shop-api"]');
    expect(await probe.locator('.pstate').textContent()).toBe('down');
    const failure = probe.locator('.failure');
    expect(await failure.locator('.status').textContent()).toBe('HTTP 500');
    expect(await failure.locator('.reason').textContent()).toContain('database unreachable');
    expect(await probe.locator('.beat.fail').count()).toBeGreaterThanOrEqual(1);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'health-failing-dark');
    expect(await accessibilityProblems(page), 'health-failing-dark').toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

// "Add from logging config…" in a real Chromium against the real `loupe serve`: a real Python
// program logs through logging.config.fileConfig with a project's logging.conf; the Sources view
// previews what its file handler wrote as the parser built from the formatter reads it (level,
// logger, fields), says where the other handlers' records should go, adds the file, and shows a
// bad config's and a bad format string's mistake with where it is.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceView } from '../../shared/model.js';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { assertBuilt, startServe, type ServeProcess, tearDown } from '../support/serve-process.js';

const PYTHON = '/usr/bin/python3';
const CONFIG = String.raw`[loggers]
keys=root

[handlers]
keys=file,console

[formatters]
keys=app

[logger_root]
level=INFO
handlers=file,console

[handler_file]
class=logging.handlers.WatchedFileHandler
formatter=app
args=('logs/app.log',)

[handler_console]
class=StreamHandler
level=CRITICAL
formatter=app
args=(sys.stderr,)

[formatter_app]
format=%(asctime)s %(levelname)s [%(threadName)s] %(name)s %(funcName)s:%(lineno)d - %(message)s
datefmt=%H:%M:%S %d.%m.%Y
`;
const PROGRAM = String.raw`
import logging, logging.config
logging.config.fileConfig('logging.conf')
def checkout():
    logging.getLogger('shop.cart').warning('cart %s is stale', 'c-9')
checkout()
`;

let dir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-logging-config-'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'logging.conf'), CONFIG);
  writeFileSync(join(dir, 'bad.conf'), CONFIG.replace('%(funcName)s', '%(user)s'));
  execFileSync(PYTHON, ['-c', PROGRAM], { cwd: dir });
  serve = await startServe(['--data-dir', join(dir, 'data')]);
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

describe('Add from logging config…', () => {
  it("previews the file handler's records with the built parser, says where the console goes, and adds the file", async () => {
    await page.goto(`${serve.url}?token=${serve.token}#/sources`);
    await page.getByText('Add from logging config…').click();
    await page.getByLabel(/^Config file/).fill(join(dir, 'bad.conf'));
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page
      .getByRole('alert')
      .getByText(/bad\.conf:26:\d+: formatter app: format: unknown field "user"/)
      .waitFor();

    await page.getByLabel(/^Config file/).fill(join(dir, 'logging.conf'));
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const handlers = page.getByRole('list', { name: 'Handlers' });
    await handlers.getByText('cart c-9 is stale').waitFor();
    const row = handlers.getByRole('row', { name: /cart c-9 is stale/ });
    expect(await row.textContent()).toMatch(/WARNING.*shop\.cart.*threadName=MainThread funcName=checkout lineno=5/);
    expect(await handlers.getByText(/writes to a stream .*not a file/).count()).toBe(1);
    await screenshot(page, 'sources-logging-config-light');
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole('button', { name: 'Add its files' }).click();
    await handlers.getByText(/added as source #\d+/).waitFor();
    const { sources } = await serve.get<{ sources: SourceView[] }>('/api/sources');
    expect(sources.map((s) => s.path)).toEqual([join(dir, 'logs/app.log')]);
    await page.getByRole('heading', { name: join(dir, 'logs/app.log') }).waitFor();
  });

  it('names the unknown field of a pasted format string with its column', async () => {
    await page.getByLabel('Paste a format string').check();
    await page.getByLabel('Format string', { exact: true }).fill('%(asctime)s %(request_id)s %(message)s');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page
      .getByRole('alert')
      .getByText(/fmt: column 13: unknown field "request_id"/)
      .waitFor();
  });
});

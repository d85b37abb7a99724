// The Logs view's progressive first look, in a real Chromium against the real `loupe serve`: a
// common word over days is counted over several calls (newest first), the view says so while it
// counts (the total "at least", a note in the legend and the facets, the uncounted part of the
// chart hatched) and asks again until every match is counted, then shows the exact counts.
//
// The renderer asks `within: 1000` ms, and a log of a test's size is counted in one call of that.
// So the page's WebSocket is routed through Playwright to the real server, and only `within` in
// the histogram and facets requests is rewritten to 0 (one pass of an hour of minutes per call): the
// engine's answers, and their `counting`, are its own.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { pythonLine } from '../support/log-lines.js';
import { startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';
import { formatCount } from '../../renderer/src/lib/format.js';

const HOUR = 3600_000;
/**
 * Records with the word, one every 4 s over 8 hours (8 passes of an hour): 7,200, more than the
 * facets read (5,000; fewer, and the levels of the rows they read are the exact counts at once).
 */
const SPAN_MS = 8 * HOUR;
const STEP_MS = 4_000;
const COUNT_METHODS = new Set(['logs.histogram', 'logs.facets']);

let dir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;
/** What was written: matches per level, and every line. */
const expected = { total: 0, levels: new Map<string, number>(), lines: 0 };

/** What the page showed at some point while it counted (recorded by a MutationObserver in the page). */
interface Seen {
  note: string;
  facetsNote: string;
  status: string;
  overlayWidth: number;
}

/**
 * The socket between the page and the server, `within` rewritten. Once: the first histogram
 * request after an answer that is still counting is held (the view then shows a whole first call,
 * histogram and facets), while the test looks at the view, then released.
 */
const socket = {
  withinSent: 0,
  countingAnswers: 0,
  hold: 'armed' as 'armed' | 'holding' | 'done',
  held: [] as string[],
  server: null as WebSocketRoute | null,
  release(): void {
    this.hold = 'done';
    for (const m of this.held.splice(0)) this.server?.send(m);
  },
};

async function route(p: Page): Promise<void> {
  await p.routeWebSocket(/\/api\/ws/, (ws) => {
    const server = ws.connectToServer();
    socket.server = server;
    ws.onMessage((message) => {
      const text = message.toString();
      const msg = JSON.parse(text) as { kind?: string; method?: string; params?: { within?: number } };
      if (msg.kind !== 'request' || !COUNT_METHODS.has(msg.method ?? '') || msg.params?.within === undefined) return server.send(text);
      socket.withinSent++;
      msg.params.within = 0;
      const rewritten = JSON.stringify(msg);
      if (socket.hold === 'armed' && socket.countingAnswers > 0 && msg.method === 'logs.histogram') socket.hold = 'holding';
      if (socket.hold === 'holding') socket.held.push(rewritten);
      else server.send(rewritten);
    });
    server.onMessage((message) => {
      const text = message.toString();
      if (/"counting":\{"before"/.test(text)) socket.countingAnswers++;
      ws.send(text);
    });
  });
}

/** Records, from the page's start, what the counting notes, the status line and the hatch showed (reset: forgetSeen). */
function recordSeen(): void {
  const g = globalThis as unknown as { __seen: Seen };
  g.__seen = { note: '', facetsNote: '', status: '', overlayWidth: 0 };
  const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
  const look = (): void => {
    const seen = g.__seen;
    seen.note ||= doc.querySelector('.histogram .counting')?.textContent ?? '';
    seen.facetsNote ||= doc.querySelector('.facets .counting')?.textContent ?? '';
    const status = doc.querySelector('section[aria-label="Log list"] > .status > span')?.textContent ?? '';
    if (status.includes('at least')) seen.status ||= status;
    const overlay = doc.querySelector('.histogram .uncounted') as unknown as { getBoundingClientRect(): { width: number } } | null;
    seen.overlayWidth = Math.max(seen.overlayWidth, overlay?.getBoundingClientRect().width ?? 0);
  };
  new (globalThis as unknown as { MutationObserver: new (cb: () => void) => { observe(n: unknown, o: unknown): void } }).MutationObserver(
    look,
  ).observe(doc, { subtree: true, childList: true, characterData: true, attributes: true });
}

function forgetSeen(): Promise<void> {
  return page.evaluate(() => {
    (globalThis as unknown as { __seen: Seen }).__seen = { note: '', facetsNote: '', status: '', overlayWidth: 0 };
  });
}

function seen(): Promise<Seen> {
  return page.evaluate(() => (globalThis as unknown as { __seen: Seen }).__seen);
}

function legendTotal(): Promise<string | null> {
  return page.locator('.histogram .total').textContent();
}

function statusText(): Promise<string | null> {
  return page.locator('section[aria-label="Log list"] > .status > span').first().textContent();
}

/** The facets' level counts as shown: level → count text. */
async function facetLevels(): Promise<Record<string, string>> {
  const items = page.locator('section[aria-labelledby="facet-level"] .include');
  const out: Record<string, string> = {};
  for (const item of await items.all())
    out[(await item.locator('.label').textContent()) ?? ''] = (await item.locator('.count').textContent()) ?? '';
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-counting-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const start = Date.now() - SPAN_MS - HOUR;
  let text = '';
  for (let t = start, i = 0; t < start + SPAN_MS; t += STEP_MS, i++) {
    const level = i % 9 === 0 ? 'ERROR' : i % 4 === 0 ? 'WARNING' : 'INFO';
    text += pythonLine(new Date(t), 'app.http', level, `upstream timeout after ${i % 30}s on request ${i}`);
    expected.total++;
    const name = level === 'WARNING' ? 'warn' : level.toLowerCase();
    expected.levels.set(name, (expected.levels.get(name) ?? 0) + 1);
    // A line without the word between them: the search, not the browse, is counted.
    text += pythonLine(new Date(t + 2_000), 'app.db', 'INFO', `query ${i} done`);
    expected.lines += 2;
  }
  writeFileSync(join(logs, 'app.log'), text);
  serve = await startServe(['--data-dir', join(dir, 'data'), logs]);
  // Every line stored (a browse, which counts no word: the view's first look at the word is the first).
  await waitFor(
    async () => ((await serve.get<{ total: number }>('/api/logs/histogram?buckets=1')).total >= expected.lines ? true : undefined),
    60_000,
    'the log file to be read',
  );
  browser = await launchBrowser();
  page = browser.page;
  await route(page);
  await page.addInitScript(recordSeen);
});

afterAll(() => tearDown(dir, browser, serve));

describe('a common word over hours: counted over several calls, newest first', () => {
  it('says it is counting, hatches what is not counted yet, and ends with the exact counts', async () => {
    const from = new Date(Date.now() - SPAN_MS - 2 * HOUR).toISOString();
    const to = new Date(Date.now() + HOUR).toISOString();
    // A fixed range: the view does not refresh it on a timer, only while the engine counts.
    await page.goto(`${serve.url}?token=${serve.token}#/logs?q=timeout&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);

    // Held after the first call that is still counting: the view shows what is counted so far.
    const note = page.locator('.histogram .counting');
    await note.waitFor({ timeout: 20_000 });
    await expect
      .poll(() => socket.hold, { timeout: 10_000, message: 'the view asks again after an answer still counting' })
      .toBe('holding');
    await expect.poll(async () => Object.keys(await facetLevels()).length).toBeGreaterThan(0);
    expect(await note.textContent()).toMatch(/^counting matches before ([A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d…$/);
    await expect.poll(legendTotal).toMatch(/^at least \d+ records$/);
    expect(await page.locator('.facets .counting').textContent()).toMatch(/^Level counts so far, still counting matches before .+…$/);
    // The sample read more rows than the levels have counted so far: no "of N matches" beside it.
    expect(await page.locator('.facets').textContent()).toContain('counted over the newest 5.0k matches.');
    // The newest hour holds fewer matches than the 300 rows loaded: "at least 300".
    expect(await statusText()).toMatch(/^(300 of )?at least \d+ records( loaded)? · scroll up for older$/);
    const overlay = page.locator('.histogram .uncounted');
    const box = await overlay.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(10);
    // Drag-to-zoom goes through the hatch: the chart is what a pointer there meets.
    const under = await page.evaluate(
      ([x, y]) =>
        (
          globalThis as unknown as { document: { elementFromPoint(x: number, y: number): { tagName: string } | null } }
        ).document.elementFromPoint(x, y)?.tagName,
      [box!.x + box!.width / 2, box!.y + box!.height / 2] as const,
    );
    expect(under).toBe('CANVAS');
    expect(await page.locator('.histogram [role=img]').getAttribute('aria-label')).toMatch(/counting matches before .*not complete yet/);
    await screenshot(page, 'logs-counting-light');
    expect(await accessibilityProblems(page), 'logs-counting-light').toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'logs-counting-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    socket.release();

    // Asked again until every match is counted: the notes and the hatch go, the counts are exact.
    const exact = `${formatCount(expected.total)} records`;
    await expect.poll(legendTotal, { timeout: 30_000 }).toBe(exact);
    expect(await page.locator('.histogram .total').getAttribute('data-total')).toBe(String(expected.total));
    await expect.poll(() => note.count()).toBe(0);
    expect(await overlay.count()).toBe(0);
    // The facets are asked after the histogram: their last answer comes a moment later.
    await expect.poll(() => page.locator('.facets .counting').count()).toBe(0);
    expect(await statusText()).toBe(`300 of ${exact} loaded · scroll up for older`);
    await expect.poll(facetLevels).toEqual(Object.fromEntries([...expected.levels].map(([l, n]) => [l, formatCount(n)])));

    const s = await seen();
    expect(s.note).toMatch(/^counting matches before/);
    expect(s.status).toMatch(/at least/);
    expect(s.facetsNote).toMatch(/still counting matches before/);
    expect(s.overlayWidth).toBeGreaterThan(10);
    // More than one call each: the engine really answered "still counting", the view really asked again.
    expect(socket.countingAnswers).toBeGreaterThan(1);
    expect(socket.withinSent).toBeGreaterThan(4);
  });
});

describe('a live range counts to the end too', () => {
  it('"last 7 days": asks again while counting though no new record comes, then shows the exact counts', async () => {
    socket.release(); // nothing held here, whatever the test before did
    await forgetSeen();
    const answers = socket.countingAnswers;
    // Another word in the same records: its counts are not kept yet, a first look again.
    await page.goto(`${serve.url}?token=${serve.token}#/logs?q=upstream&last=7d`);
    await expect.poll(legendTotal, { timeout: 30_000 }).toBe(`${formatCount(expected.total)} records`);
    expect(await page.locator('.histogram .total').getAttribute('data-total')).toBe(String(expected.total));
    await expect.poll(() => page.locator('.histogram .counting').count()).toBe(0);
    expect(await statusText()).toBe(`300 of ${formatCount(expected.total)} records loaded · scroll up for older`);
    await expect.poll(facetLevels).toEqual(Object.fromEntries([...expected.levels].map(([l, n]) => [l, formatCount(n)])));
    const s = await seen();
    expect(s.note).toMatch(/^counting matches before/);
    expect(s.facetsNote).toMatch(/still counting matches before/);
    expect(s.overlayWidth).toBeGreaterThan(10);
    expect(socket.countingAnswers - answers).toBeGreaterThan(1);
  });
});

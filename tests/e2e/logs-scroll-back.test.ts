// Scrolling back through history in a real Chromium against the real `loupe serve`: a page of older
// records arrives above the rows in view, and those rows stay where they are on screen, the same
// elements (the list moves down by the new rows in the same update: none is drawn again). And a
// search whose pages stop part-way (asked within a time: a rare regex over a week of 100M records)
// goes on by itself, saying how far back it has searched, until every match is on screen. And a
// page of older rows still on its way when the user starts another search does not hold that
// search's pages back.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { pythonLine } from '../support/log-lines.js';
import { startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

/** Lines in the file: the view's first page holds the newest 300, each older page up to 500 more. */
const LINES = 1000;

let dir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-scroll-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  let text = '';
  // One every 1.024 s over the last ~17 minutes (all within the view's default hour), each at a
  // multiple of 128 ms: each record's id (its time in µs) is one the engine checks its time at
  // (deadlineSql: ids with the low 10 bits clear), so a search asked within 0 ms stops every
  // record or two (below).
  const base = Math.floor(Date.now() / 128) * 128;
  for (let i = 0; i < LINES; i++) text += pythonLine(new Date(base - (LINES + 5 - i) * 1024), 'app.http', 'INFO', `request ${i} handled`);
  writeFileSync(join(logs, 'app.log'), text);
  serve = await startServe(['--data-dir', join(dir, 'data'), logs]);
  await waitFor(
    async () => ((await serve.get<{ records: unknown[] }>(`/api/logs?limit=${LINES}`)).records.length >= LINES ? true : undefined),
    30_000,
    'the log file to be read',
  );
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

/**
 * Scrolls the list to its top and waits for the page of older rows: where the row of `request n`
 * was on screen before and after, and whether it is the same element.
 */
async function scrollBackAround(n: number): Promise<{ before: number; after: number; sameElement: boolean; above: string | null }> {
  // (In the page: the tests' TypeScript has no DOM types.)
  return page.evaluate(`(async () => {
    const grid = document.querySelector('[role="grid"]');
    const rowOf = (k) => [...grid.querySelectorAll('[role="row"]')].find((r) => r.textContent.includes('request ' + k + ' handled'));
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    const height = grid.scrollHeight;
    grid.scrollTop = 0;
    // The top rows drawn (the older page is asked for at once; it arrives after).
    for (let i = 0; i < 300 && !rowOf(${n}); i++) await frame();
    const row = rowOf(${n});
    if (!row) throw new Error('no row of request ${n} at the top');
    row.marked = true;
    const before = row.getBoundingClientRect().top;
    for (let i = 0; i < 300 && grid.scrollHeight === height; i++) await frame();
    await frame();
    const now = rowOf(${n});
    if (!now) throw new Error('the row of request ${n} is gone from view');
    const after = now.getBoundingClientRect().top;
    // The row drawn just above it on screen.
    const above = [...grid.querySelectorAll('[role="row"]')].find((r) => Math.abs(r.getBoundingClientRect().bottom - after) <= 1);
    const number = /request (\\d+) handled/.exec(above ? above.textContent : '');
    return { before, after, sameElement: now.marked === true, above: number ? number[1] : null };
  })()`);
}

/** A `logs.search` call as the page sends it over its WebSocket. */
type SearchCall = { method?: string; params?: { within?: number; cursor?: string } };

/**
 * Routes a new page's WebSocket to the real server through `onSearch`, which sees each message the
 * page sends (it may change it) and says whether it goes on (false: held, never answered);
 * `onAnswer` sees each answer's text.
 */
async function pageRoutingSearches(onSearch: (m: SearchCall) => boolean, onAnswer: (text: string) => void = () => {}): Promise<Page> {
  const p = await browser.context.newPage();
  await p.routeWebSocket(/\/api\/ws/, (ws: WebSocketRoute) => {
    const server = ws.connectToServer();
    const text = (message: string | Buffer): string => (typeof message === 'string' ? message : message.toString());
    ws.onMessage((message) => {
      const m = JSON.parse(text(message)) as SearchCall;
      if (onSearch(m)) server.send(JSON.stringify(m));
    });
    server.onMessage((message) => {
      onAnswer(text(message));
      ws.send(message);
    });
  });
  return p;
}

describe('scrolling back through the Logs view', () => {
  it('adds each older page above the rows in view, which stay put, the same elements', async () => {
    await page.goto(`${serve.url}?token=${serve.token}`);
    await page
      .getByRole('row')
      .filter({ hasText: `request ${LINES - 1} handled` })
      .waitFor({ timeout: 15_000 });
    // The first page: the newest 300 (1000 - 300 = 700 the oldest of them).
    const first = await scrollBackAround(LINES - 300);
    expect(first.sameElement).toBe(true);
    expect(Math.abs(first.after - first.before)).toBeLessThanOrEqual(1);
    expect(first.above).toBe(String(LINES - 301));
    // The next and last: the 500 older (700 - 500 = 200 the oldest of them), then the oldest 200.
    const second = await scrollBackAround(LINES - 800);
    expect(second.sameElement).toBe(true);
    expect(Math.abs(second.after - second.before)).toBeLessThanOrEqual(1);
    expect(second.above).toBe(String(LINES - 801));
    // At the top, the file's first line.
    await page.evaluate(`document.querySelector('[role="grid"]').scrollTop = 0`);
    await page.getByRole('row').filter({ hasText: 'request 0 handled' }).waitFor({ timeout: 10_000 });
  });
});

describe('a search that stops part-way', () => {
  /**
   * A page whose searches are asked within 0 ms: the view asks each page within 1 s, rewritten here
   * on its way to the real server, the most a page can stop (after a record or two here). Counts
   * the answers that stopped part-way, and notes what the page said on the way (a
   * MutationObserver from the first paint).
   */
  async function pageAskingWithin0(q: string): Promise<{ page: Page; stopped: () => number }> {
    let stopped = 0;
    const p = await pageRoutingSearches(
      (m) => {
        if (m.method === 'logs.search' && m.params?.within !== undefined) m.params.within = 0;
        return true;
      },
      (answer) => {
        if (answer.includes('"searchedBackTo"')) stopped++;
      },
    );
    await p.addInitScript(`
      window.__seen = { searchedBack: false, empty: false };
      new MutationObserver(() => {
        const text = document.body ? document.body.innerText : '';
        if (/searched back to .*searching older/.test(text)) window.__seen.searchedBack = true;
        if (/No records match/.test(text)) window.__seen.empty = true;
      }).observe(document, { subtree: true, childList: true, characterData: true });
    `);
    await p.goto(`${serve.url}?token=${serve.token}#/logs?q=${encodeURIComponent(q)}`);
    return { page: p, stopped: () => stopped };
  }

  const seenOn = async (p: Page): Promise<{ searchedBack: boolean; empty: boolean }> =>
    (await p.evaluate('window.__seen')) as { searchedBack: boolean; empty: boolean };

  it('goes on by itself, says how far back it searched, and shows every match', async () => {
    const { page: p, stopped } = await pageAskingWithin0('/request [1-3]\\d7 handled/');
    // 107, 117, …, 397: 30 matches.
    const want = Array.from({ length: 30 }, (_, k) => `request ${107 + 10 * k} handled`);
    await p
      .getByRole('status')
      .filter({ hasText: /^30 records/ })
      .waitFor({ timeout: 20_000 });
    await p.getByRole('row').filter({ hasText: want[0] }).waitFor({ timeout: 10_000 });
    const rows = await p.getByRole('row').allInnerTexts();
    const shown = rows.map((r) => /request \d+ handled/.exec(r)?.[0]).filter((r) => r !== undefined);
    expect(shown).toEqual(want);
    expect(stopped()).toBeGreaterThan(1);
    // Never "no records" while it searched on.
    expect(await seenOn(p)).toEqual({ searchedBack: true, empty: false });
    await p.close();
  });

  it('says "no records" only once it has searched to the end, and how far back it looked for a newest match', async () => {
    const { page: p } = await pageAskingWithin0('/request 4321 handled/');
    await p.getByText('No records match this search in this time range (yet).').waitFor({ timeout: 20_000 });
    // Its look for the newest match at any time stops after 10 calls (each a record or two here).
    await p.getByText(/^No match in the records newer than \d\d:\d\d either/).waitFor({ timeout: 10_000 });
    expect((await seenOn(p)).searchedBack).toBe(true);
    await p.close();
  });
});

describe('a page of older rows still on its way when the search changes', () => {
  it("does not hold back the next search's scrolling back (its answer is dropped when it comes)", async () => {
    // Older pages (a search with a cursor) are held on their way to the server while `holding`.
    let holding = true;
    let held = 0;
    const p = await pageRoutingSearches((m) => {
      if (!(holding && m.method === 'logs.search' && m.params?.cursor)) return true;
      held++;
      return false;
    });
    await p.goto(`${serve.url}?token=${serve.token}`);
    const rowOf = (n: number) => p.getByRole('row').filter({ hasText: `request ${n} handled` });
    await rowOf(LINES - 1).waitFor({ timeout: 15_000 });
    // Scrolled to the top: the older page is asked for, and held.
    await p.evaluate(`document.querySelector('[role="grid"]').scrollTop = 0`);
    await waitFor(async () => (held > 0 ? true : undefined), 10_000, 'the older page to be asked for');
    // Another search while it is on its way (its answer will never come).
    holding = false;
    const box = p.getByRole('searchbox', { name: 'Search logs' });
    // The even-numbered requests: 500, the newest 300 (998 … 400) on the first page.
    await box.fill('/request \\d*[02468] handled/');
    await box.press('Enter');
    await p
      .getByRole('status')
      .filter({ hasText: /^300 of 500 records loaded/ })
      .waitFor({ timeout: 15_000 });
    // Scrolling back in the new search loads its older rows (398 … 0).
    await p.evaluate(`document.querySelector('[role="grid"]').scrollTop = 0`);
    await rowOf(398).waitFor({ timeout: 10_000 });
    expect(held).toBe(1);
    await p.close();
  });
});

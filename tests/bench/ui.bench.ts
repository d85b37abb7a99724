// The UI's speed in a real browser (Debian's Chromium) against the real `loupe serve`:
// keeping up with a fast tail, the time from a line written to a line on screen, paging through
// history, and the first paint on a big database.
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { startServe } from '../support/serve-process.js';
import { peakRssMb, peakRssRow, percentile, type BenchRow } from './bench-row.js';

function pyLine(i: number, msg: string): string {
  const t = new Date();
  const ts = `${t.getFullYear()}-${p2(t.getMonth() + 1)}-${p2(t.getDate())} ${p2(t.getHours())}:${p2(t.getMinutes())}:${p2(t.getSeconds())},${String(t.getMilliseconds()).padStart(3, '0')}`;
  return `${ts} ${i % 50 === 0 ? 'ERROR' : 'INFO'} app.bench: ${msg}\n`;
}
function p2(n: number): string {
  return String(n).padStart(2, '0');
}

async function openApp(url: string, token: string, page: Page): Promise<void> {
  await page.goto(`${url}?token=${encodeURIComponent(token)}`);
  await page.getByRole('searchbox').first().waitFor();
}

// Code run inside the page, as text: the bench is compiled for Node, without the DOM's types.
const IN_PAGE = {
  watchLongTasks: `(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
      .observe({ type: 'longtask', buffered: false });
  })()`,
  heapBytes: '(performance.memory && performance.memory.usedJSHeapSize) || 0',
  // Resolves at the first frame where the Logs view shows rows (as `getByRole('row').nth(5)`
  // finds them); a string run by evaluate, as the page's CSP refuses waitForFunction's eval.
  rowsShown: `(async () => {
    const start = performance.now();
    while (document.querySelectorAll('[role="row"]').length <= 5) {
      if (performance.now() - start > 30000) throw new Error('no rows on screen after 30 s');
      await new Promise((r) => requestAnimationFrame(r));
    }
  })()`,
  // When each probe's text first shows up in the document.
  watchProbes: `(() => {
    window.__seen = {};
    new MutationObserver(() => {
      for (const m of document.body.innerText.matchAll(/probe-(\\d+)-x/g)) window.__seen[m[1]] ??= Date.now();
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  })()`,
  // The log list's grid element is its own scrolling viewport: scroll to its top and time until
  // a page of older rows has grown it.
  scrollToTopAndTimeOlderPage: `(async () => {
    const scroller = document.querySelector('[role="grid"]');
    if (!scroller) return NaN;
    const before = scroller.scrollHeight;
    const start = performance.now();
    scroller.scrollTop = 0;
    scroller.dispatchEvent(new Event('scroll'));
    while (scroller.scrollHeight === before) {
      if (performance.now() - start > 5000) return NaN;
      await new Promise((r) => requestAnimationFrame(r));
    }
    return performance.now() - start;
  })()`,
};

/** A `loupe serve` tailing a fresh log file, with the app open on it in Chromium. */
async function withTailedPage<T>(fn: (page: Page, file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-uibench-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const file = join(logs, 'app.log');
  writeFileSync(file, pyLine(1, 'start'));
  const server = await startServe(['--data-dir', join(dir, 'data'), logs]);
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await openApp(server.url, server.token, page);
    return await fn(page, file);
  } finally {
    await browser.close();
    await server.stop();
  }
}

/** Long tasks and heap while `linesPerSecond` arrive for `seconds`. */
export async function benchTailLoad(seconds: number, linesPerSecond = 5000): Promise<BenchRow[]> {
  return withTailedPage(async (page, file) => {
    await page.evaluate(IN_PAGE.watchLongTasks);
    const heap = (): Promise<number> => page.evaluate<number>(IN_PAGE.heapBytes);
    const heapStart = await heap();
    let written = 0;
    const t0 = performance.now();
    const perTick = Math.round(linesPerSecond / 20);
    let heapMid = 0;
    while (performance.now() - t0 < seconds * 1000) {
      let chunk = '';
      for (let i = 0; i < perTick; i++) chunk += pyLine(written + i, `load line ${written + i} user_id=${(written + i) % 97}`);
      appendFileSync(file, chunk);
      written += perTick;
      if (heapMid === 0 && performance.now() - t0 > (seconds * 1000) / 2) heapMid = await heap();
      const due = t0 + (written / linesPerSecond) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const longTasks = await page.evaluate<number[]>('window.__longTasks');
    const heapEnd = await heap();
    const worst = longTasks.length ? Math.max(...longTasks) : 0;
    const rate = Math.round(written / seconds);
    return [
      {
        what: `UI with ${rate.toLocaleString('en')} lines/s arriving for ${seconds} s: longest main-thread task`,
        value: `${worst.toFixed(0)} ms (${longTasks.length} tasks over 50 ms)`,
        target: 'none over 100 ms',
        ok: worst <= 100,
      },
      {
        what: 'JS heap during that load (start → middle → end)',
        value: `${(heapStart / 1e6).toFixed(0)} → ${(heapMid / 1e6).toFixed(0)} → ${(heapEnd / 1e6).toFixed(0)} MB`,
        target: 'stable',
      },
    ];
  });
}

/** Time from a line appended to a file to its text on screen, at about 100 lines/s. */
export async function benchLineToScreen(samples: number): Promise<BenchRow[]> {
  return withTailedPage(async (page, file) => {
    // Note when each probe's text first shows up in the document.
    await page.evaluate(IN_PAGE.watchProbes);
    const written: Record<string, number> = {};
    for (let i = 0; i < samples; i++) {
      written[String(i)] = Date.now();
      appendFileSync(file, pyLine(i, `probe-${i}-x`));
      await new Promise((r) => setTimeout(r, 10)); // with the page's work, about 100 lines/s
    }
    await new Promise((r) => setTimeout(r, 1500));
    const seen = await page.evaluate<Record<string, number>>('window.__seen');
    const delays = Object.entries(written).map(([k, t]) => (seen[k] ?? Number.POSITIVE_INFINITY) - t);
    const p95 = percentile(delays, 95);
    return [
      {
        what: 'line appended → on screen (live tail, ~100 lines/s)',
        value: `p50 ${percentile(delays, 50).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`,
        target: 'p95 < 300 ms',
        ok: p95 < 300,
      },
    ];
  });
}

/**
 * On an existing database (`dataDir`, e.g. the search bench's 10M lines): the first paint of the
 * app with rows from the start of `loupe serve`, and scrolling back through history page by page.
 */
export async function benchBigHistory(
  dataDir: string,
  records: number,
  serveArgs: string[] = [],
  /** The view opened (`#/logs?from=…&to=…`), for a database whose records end before now; none: the app's default. */
  view = '',
): Promise<BenchRow[]> {
  // The browser is not part of the app: it is up before the clock starts.
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const t0 = performance.now();
  const server = await startServe(['--data-dir', dataDir, ...serveArgs]);
  try {
    await page.goto(`${server.url}?token=${encodeURIComponent(server.token)}${view}`);
    // Looked for at every frame: a locator's wait backs off to a look every 0.5 s while the page
    // is busy (its counts drawn just after the rows), which added up to that much to this figure.
    await page.evaluate(IN_PAGE.rowsShown);
    const firstPaint = performance.now() - t0;
    // Scroll to the top again and again: each time a page of older rows must arrive.
    const pageTimes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const ms = await page.evaluate<number>(IN_PAGE.scrollToTopAndTimeOlderPage);
      pageTimes.push(ms);
    }
    // Read while it runs: the server's own peak since it started (a process of its own).
    const servePeakMb = server.child.pid === undefined ? null : peakRssMb(server.child.pid);
    const valid = pageTimes.filter((t) => Number.isFinite(t));
    const p95 = valid.length ? percentile(valid, 95) : NaN;
    return [
      {
        what: `first paint with rows, from starting loupe serve on ${records.toLocaleString('en')} records`,
        value: `${firstPaint.toFixed(0)} ms (server start + page load)`,
        target: '< 1500 ms',
        ok: firstPaint < 1500,
      },
      {
        what: `scrolling back through ${records.toLocaleString('en')} records: a page of older rows arrives`,
        value: valid.length
          ? `p50 ${percentile(valid, 50).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms (${valid.length} pages)`
          : 'no scroller found',
        target: 'p95 < 100 ms',
        ok: p95 < 100,
      },
      peakRssRow(
        `loupe serve on ${records.toLocaleString('en')} records: peak RSS over its start, first paint and scrolling back`,
        servePeakMb,
      ),
    ];
  } finally {
    await browser.close();
    await server.stop();
  }
}

// The Traces view's speed in a real browser (Debian's Chromium) against the real `loupe serve`:
// a 10,000-span trace (five services, a 4-ary tree seven levels deep, events and errors) sent over
// OTLP/HTTP JSON, then opened: the time until its waterfall is drawn, scrolling through it, and
// collapsing/expanding its whole tree.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../support/browser.js';
import { startServe, waitFor } from '../support/serve-process.js';
import { percentile, type BenchRow } from './bench-row.js';

const SPANS = 10_000;
const BATCH = 2_000;
const SERVICES = ['gateway', 'orders', 'inventory', 'payments', 'postgres-proxy'];

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/** OTLP/JSON resourceSpans for spans [from, to) of the trace: span i's parent is span ⌊(i−1)/4⌋. */
function batch(traceId: string, from: number, to: number, t0Ns: bigint): unknown {
  const byService = new Map<string, unknown[]>();
  for (let i = from; i < to; i++) {
    const depth = Math.floor(Math.log(3 * i + 1) / Math.log(4));
    const service = SERVICES[depth % SERVICES.length]!;
    const startNs = t0Ns + BigInt(i) * 20_000n;
    const endNs = startNs + BigInt(Math.max(1, 2_000_000 - depth * 250_000 + (i % 7) * 10_000)) * 100n;
    const span: Record<string, unknown> = {
      traceId,
      spanId: hex(i + 1, 16),
      name: `${service} op ${i % 13}`,
      kind: 2,
      startTimeUnixNano: String(startNs),
      endTimeUnixNano: String(endNs),
      attributes: [
        { key: 'http.request.method', value: { stringValue: 'GET' } },
        { key: 'http.route', value: { stringValue: `/items/{id}/${i % 13}` } },
        { key: 'http.response.status_code', value: { intValue: i % 97 === 0 ? 500 : 200 } },
      ],
      events: i % 10 === 0 ? [{ name: 'cache miss', timeUnixNano: String(startNs + 1000n), attributes: [] }] : [],
      status: i % 97 === 0 ? { code: 2, message: 'upstream failed' } : { code: 0 },
    };
    if (i > 0) span.parentSpanId = hex(Math.floor((i - 1) / 4) + 1, 16);
    let list = byService.get(service);
    if (!list) byService.set(service, (list = []));
    list.push(span);
  }
  return {
    resourceSpans: [...byService].map(([service, spans]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'bench' }, spans }],
    })),
  };
}

// Code run inside the page, as text: the bench is compiled for Node, without the DOM's types.
const IN_PAGE = {
  /** Go to the trace and time until its waterfall rows are on screen (after a frame is painted). */
  openTrace: (hash: string): string => `(async () => {
    const start = performance.now();
    location.hash = ${JSON.stringify(hash)};
    while (!document.querySelector('[role="tree"] [role="treeitem"]')) {
      if (performance.now() - start > 20000) return NaN;
      await new Promise((r) => requestAnimationFrame(r));
    }
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - start;
  })()`,
  /** Scroll the waterfall a screen at a time; the time of each step until the next frame. */
  scrollSteps: `(async () => {
    const v = document.querySelector('[role="tree"]');
    const out = [];
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      v.scrollTop += v.clientHeight * 1.5;
      v.dispatchEvent(new Event('scroll'));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      out.push(performance.now() - t);
    }
    return out;
  })()`,
  /** Click a toolbar button and time until the row count changes and a frame is painted. */
  clickAndTime: (label: string): string => `(async () => {
    const rows = () => document.querySelector('[role="tree"] .spacer').style.height;
    const before = rows();
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === ${JSON.stringify(label)});
    const t = performance.now();
    button.click();
    while (rows() === before) {
      if (performance.now() - t > 10000) return NaN;
      await new Promise((r) => requestAnimationFrame(r));
    }
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t;
  })()`,
};

const ms = (n: number): string => `${n.toFixed(0)} ms`;

export async function benchWaterfall(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-tracebench-'));
  const server = await startServe(['--data-dir', join(dir, 'data')]);
  const browser = await launchBrowser();
  try {
    const m = /OTLP:\s+http:\/\/([\d.]+):(\d+) \(HTTP\)/.exec(server.output());
    if (!m) throw new Error(`no OTLP port in:\n${server.output()}`);
    const traceId = hex(Date.now(), 16) + hex(0xbe0c, 16);
    const t0Ns = BigInt(Date.now() - 60_000) * 1_000_000n;
    for (let from = 0; from < SPANS; from += BATCH) {
      const res = await fetch(`http://${m[1]}:${m[2]}/v1/traces`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(batch(traceId, from, Math.min(SPANS, from + BATCH), t0Ns)),
      });
      if (!res.ok) throw new Error(`OTLP answered ${res.status}: ${await res.text()}`);
    }
    await waitFor(
      async () => ((await server.get<{ spans: unknown[] }>(`/api/traces/${traceId}`)).spans.length === SPANS ? true : undefined),
      60_000,
      'the 10,000 spans',
    );
    // What the view reads (the compact trace), fetched and parsed; the whole TraceView beside it.
    const timeGet = async (path: string): Promise<number> => {
      const start = performance.now();
      await server.get(path);
      return performance.now() - start;
    };
    const apiWholeMs = await timeGet(`/api/traces/${traceId}`);
    const apiMs = await timeGet(`/api/traces/${traceId}/compact`);

    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${server.url}?token=${encodeURIComponent(server.token)}#/sources`);
    await page.waitForLoadState('networkidle');
    // Warm once (code, fonts), then measure a fresh open.
    await page.evaluate(IN_PAGE.openTrace(`#/traces/${traceId}`));
    await page.evaluate(`(() => { location.hash = '#/sources'; })()`);
    await page.waitForTimeout(300);
    const openMs = (await page.evaluate(IN_PAGE.openTrace(`#/traces/${traceId}`))) as number;
    const rendered = (await page.evaluate(`document.querySelectorAll('[role="treeitem"]').length`)) as number;
    const scroll = (await page.evaluate(IN_PAGE.scrollSteps)) as number[];
    const collapseMs = (await page.evaluate(IN_PAGE.clickAndTime('Collapse all'))) as number;
    const expandMs = (await page.evaluate(IN_PAGE.clickAndTime('Expand all'))) as number;
    const scrollP95 = percentile(scroll, 95);
    return [
      {
        what: `traces: API for a ${SPANS.toLocaleString('en')}-span trace (GET /api/traces/{id}/compact)`,
        value: ms(apiMs),
        ceiling: `${ms(apiWholeMs)} whole (GET /api/traces/{id})`,
        target: '< 200 ms',
        ok: apiMs < 200,
      },
      {
        what: `traces: ${SPANS.toLocaleString('en')}-span waterfall drawn (request + tree + paint)`,
        value: ms(openMs),
        target: '< 1000 ms',
        ok: openMs < 1000,
      },
      { what: 'traces: waterfall rows in the DOM (virtualized)', value: String(rendered), target: '< 200', ok: rendered < 200 },
      { what: 'traces: waterfall scroll step to next frame, p95', value: ms(scrollP95), target: '< 50 ms', ok: scrollP95 < 50 },
      { what: 'traces: collapse all (10k spans) to next frame', value: ms(collapseMs), target: '< 100 ms', ok: collapseMs < 100 },
      { what: 'traces: expand all (10k spans) to next frame', value: ms(expandMs), target: '< 100 ms', ok: expandMs < 100 },
    ];
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

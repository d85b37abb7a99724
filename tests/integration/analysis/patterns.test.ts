// Log patterns at ingest: a watched file's messages become templates, counted per minute, found
// with pattern:<id> (history and live tail), listed for a range and a search, kept across a restart.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';
import type { NewPatternEvent } from '../../../electron/engine/analysis/patterns/log-patterns.js';
import type { PatternsView } from '../../../shared/model.js';
import { waitFor } from '../../support/serve-process.js';

const FROM = '2026-11-30T09:00:00Z';
const TO = '2026-11-30T11:00:00Z';
let dir: string;
let engine: Engine;
const told: NewPatternEvent[] = [];

function line(minute: number, level: string, message: string): string {
  return `2026-11-30 10:${String(minute).padStart(2, '0')}:00,000 ${level} shop: ${message}\n`;
}

async function start(maxPatterns?: number): Promise<void> {
  engine = await createEngine({
    dataDir: join(dir, 'data'),
    paths: [join(dir, 'app.log')],
    pollMs: 50,
    idleMs: 200,
    ...(maxPatterns !== undefined ? { maxPatterns } : {}),
  });
  engine.events.on('analysis.newPattern', (e) => told.push(e));
}

async function patterns(params: Record<string, unknown> = {}): Promise<PatternsView> {
  return engine.api.table.request('patterns.list', { from: '2026-11-30T10:30:00Z', to: TO, ...params });
}

async function stored(n: number): Promise<void> {
  await waitFor(async () =>
    (await engine.api.table.request('logs.search', { from: FROM, to: TO, limit: 500 })).records.length === n ? true : undefined,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-patterns-'));
  let text = '';
  // Before the range (10:00-10:29): logins only. In it (10:30-10:59): more logins, and a new warning.
  for (let m = 0; m < 30; m++) text += line(m, 'INFO', `user u${m % 4}x logged in from 10.0.0.${m}`);
  for (let m = 30; m < 60; m++) {
    text += line(m, 'INFO', `user u${m % 4}x logged in from 10.0.0.${m}`);
    text += line(m, 'INFO', `user u${m % 4}x logged in from 10.0.1.${m}`);
    if (m % 10 === 0) text += line(m, 'WARNING', `disk /var/lib almost full: ${m}% used`);
  }
  writeFileSync(join(dir, 'app.log'), text);
  await start();
  await stored(93);
});

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('log patterns', () => {
  it('lists the templates of a range with their counts versus the range before, the new one marked', async () => {
    const view = await patterns();
    expect(view.patterns.map((p) => [p.template, p.count, p.previousCount, p.isNew, p.levels])).toEqual([
      ['user <*> logged in from <IP>', 60, 30, false, ['info']],
      ['disk /var/lib almost full: <NUM>% used', 3, 0, true, ['warn']],
    ]);
    expect(view.patterns[0]!.sparkline.reduce((a, b) => a + b, 0)).toBe(60);
    expect(view.sampled).toBeNull();
    // By change: the new warning (from 0 to 3) before the logins (30 to 60).
    expect((await patterns({ sort: 'change' })).patterns[0]!.template).toBe('disk /var/lib almost full: <NUM>% used');
    expect(told.map((e) => [e.template, e.level])).toEqual([['disk /var/lib almost full: <NUM>% used', 'warn']]);
    // History being read (these records are hours old) is not news: no alert.
    expect(await engine.api.table.request('alerts.sent', {})).toEqual([]);
  });

  it('counts only the records of a search when one is given', async () => {
    const view = await patterns({ q: '10.0.1' });
    expect(view.patterns.map((p) => [p.template, p.count, p.previousCount])).toEqual([['user <*> logged in from <IP>', 30, 0]]);
    expect([view.sampled, view.complete]).toEqual([30, true]);
  });

  it('finds the records of a template with pattern:<id>, in history and in the live tail', async () => {
    const [logins, disk] = (await patterns()).patterns;
    const page = await engine.api.table.request('logs.search', { q: `pattern:${disk!.id}`, from: FROM, to: TO });
    expect(page.records.map((r) => r.message)).toEqual([
      'disk /var/lib almost full: 50% used',
      'disk /var/lib almost full: 40% used',
      'disk /var/lib almost full: 30% used',
    ]);
    expect(
      (await engine.api.table.request('logs.search', { q: `pattern:${logins!.id}`, from: FROM, to: TO, limit: 500 })).records,
    ).toHaveLength(90);
    const live: string[] = [];
    const stop = engine.live.subscribe(`pattern:${disk!.id}`, (b) => live.push(...b.records.map((r) => r.message)));
    appendFileSync(
      join(dir, 'app.log'),
      line(59, 'INFO', 'user zz logged in from 10.0.0.1') + line(59, 'WARNING', 'disk /var/lib almost full: 99% used'),
    );
    await waitFor(() => (live.length > 0 ? true : undefined));
    stop();
    expect(live).toEqual(['disk /var/lib almost full: 99% used']);
    await expect(engine.api.table.request('logs.search', { q: 'pattern:abc' })).rejects.toThrow(
      /pattern: takes the number of a log pattern/,
    );
  });

  it('keeps its templates across a restart, and drops the least recent past its cap (said in the status)', async () => {
    const before = (await patterns()).patterns.map((p) => [p.id, p.template]);
    await engine.close();
    await start(2);
    expect((await patterns()).patterns.map((p) => [p.id, p.template])).toEqual(before);
    appendFileSync(join(dir, 'app.log'), line(59, 'INFO', 'cache warmed in 15ms'));
    await stored(96);
    expect(engine.status().analysis).toMatchObject({ templates: 2, maxTemplates: 2, evictedTemplates: 1 });
    // The old logins keep their template id: the miner restored it rather than starting another.
    expect((await patterns()).patterns.map((p) => p.id)).toEqual(expect.arrayContaining([before[0]![0]]));
  });

  it('alerts on a new warning pattern written now: listed (P4, no popup), its records one click away', async () => {
    const now = new Date();
    const pad = (n: number): string => String(n).padStart(2, '0');
    const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())},000`;
    appendFileSync(join(dir, 'app.log'), `${stamp} WARNING shop: payment provider answered slowly (3200 ms)\n`);
    await waitFor(() => (told.some((e) => e.template.startsWith('payment provider')) ? true : undefined));
    const id = told.find((e) => e.template.startsWith('payment provider'))!.id;
    const sent = await waitFor(async () => {
      const all = await engine.api.table.request('alerts.sent', {});
      return all.length > 0 ? all : undefined;
    });
    expect(sent.map((a) => [a.labels.alertname, a.labels.severity, a.labels.pattern, a.annotations.summary, a.generatorURL])).toEqual([
      ['NewLogPattern', 'P4', String(id), 'New warn message: payment provider answered slowly (<NUM> ms)', `/#/logs?q=pattern%3A${id}`],
    ]);
  });
});

// Error groups from real tracebacks: Python programs using stdlib logging.exception, structlog
// (format_exc_info, JSON) and loguru write chained exceptions raised through the app's own code
// and a library (under site-packages) into files the engine watches. Needs /usr/bin/python3 with
// python3-structlog and python3-loguru: a missing module fails the suite, it never skips.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';
import type { ErrorGroupEvent } from '../../../electron/engine/analysis/error-groups/error-groups.js';
import type { ErrorGroupView } from '../../../shared/model.js';
import { waitFor } from '../../support/serve-process.js';

const PYTHON = '/usr/bin/python3';

// The library: raises from its own frames (their line numbers are not the app's to keep stable).
const LIBRARY = String.raw`
def lookup(table, key):
    return table[key]
`;

/** The app module; `pad` blank lines above the handlers move every line number, `where` picks the failing function. */
function appModule(pad: number, where: 'parse' | 'price'): string {
  return `import fakelib\n${'\n'.repeat(pad)}
def parse(order):
    return fakelib.lookup(order, 'currency')

def price(order):
    return fakelib.lookup(order, 'currency')

def handle(order):
    try:
        return ${where}(order)
    except KeyError as e:
        raise RuntimeError('order 4711 failed at 0x7f3a2c') from e
`;
}

// Each library logs the same failure into its own file.
const SCRIPT = String.raw`
import logging, sys, json
sys.path[:0] = [sys.argv[2], sys.argv[3]]
out = sys.argv[1]
import app
def fail():
    app.handle({'id': 7})

logging.basicConfig(filename=out + '/std.log', level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
try:
    fail()
except Exception:
    logging.getLogger('shop').exception('checkout failed for user %d', 42)

import structlog
structlog.configure(
    processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt='iso'),
                structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
    logger_factory=structlog.WriteLoggerFactory(open(out + '/struct.log', 'a')))
try:
    fail()
except Exception:
    structlog.get_logger().exception('checkout failed')

from loguru import logger
logger.remove()
logger.add(out + '/loguru.log')
try:
    fail()
except Exception:
    logger.exception('checkout failed')
`;

let dir: string;
let engine: Engine;
const events: ErrorGroupEvent[] = [];

/** Write the app as `pad`/`where` say and run the script once (three records: one per library). */
function runPython(pad: number, where: 'parse' | 'price'): void {
  writeFileSync(join(dir, 'src', 'app.py'), appModule(pad, where));
  execFileSync(PYTHON, ['-B', join(dir, 'run.py'), join(dir, 'logs'), join(dir, 'src'), join(dir, 'venv/lib/python3.11/site-packages')], {
    stdio: 'pipe',
  });
}

async function groups(): Promise<ErrorGroupView[]> {
  return engine.api.table.request('errors.list', { from: '2000-01-01T00:00:00Z' });
}

async function waitForCount(total: number): Promise<ErrorGroupView[]> {
  return waitFor(async () => {
    const g = await groups();
    return g.reduce((n, x) => n + x.count, 0) === total ? g : undefined;
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-errors-'));
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'venv/lib/python3.11/site-packages/fakelib'), { recursive: true });
  writeFileSync(join(dir, 'venv/lib/python3.11/site-packages/fakelib/__init__.py'), LIBRARY);
  writeFileSync(join(dir, 'run.py'), SCRIPT);
  engine = await createEngine({ dataDir: join(dir, 'data'), paths: [join(dir, 'logs')], pollMs: 50, idleMs: 200 });
  engine.events.on('analysis.errorGroup', (e) => events.push(e));
});

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('error groups from real Python tracebacks', () => {
  it('puts the same chained error from stdlib logging, structlog and loguru in one group, keyed by its root cause', async () => {
    runPython(0, 'parse');
    const [group, ...others] = await waitForCount(3);
    expect(others).toEqual([]);
    expect(group!.title).toBe("KeyError: 'currency'");
    expect(group!.count).toBe(3);
    expect(group!.sparkline.reduce((a, b) => a + b, 0)).toBe(3);
    expect(group!.status).toBe('unresolved');
    expect(group!.sources).toHaveLength(1);
    const detail = await engine.api.table.request('errors.get', { id: group!.id });
    // The root cause's frames, app and library, as printed; the library one is marked.
    expect(detail.frames.map((f) => [f.function, f.library])).toEqual([
      ['handle', false],
      ['parse', false],
      ['lookup', true],
    ]);
    expect(detail.frames[0]!.file).toBe(join(dir, 'src', 'app.py'));
    expect(detail.traceback).toContain('The above exception was the direct cause of the following exception:');
    expect(events.map((e) => [e.kind, e.group.id, e.group.title])).toEqual([['new', group!.id, "KeyError: 'currency'"]]);
    // Out of the box, a new group is an alert (P3, one per group), without a rule.
    const sent = await engine.api.table.request('alerts.sent', {});
    expect(sent.map((a) => [a.labels, a.annotations.summary, a.endsAt, a.generatorURL])).toEqual([
      [
        { alertname: 'NewError', severity: 'P3', error_group: String(group!.id) },
        "New error: KeyError: 'currency'",
        null,
        `/#/errors/${group!.id}`,
      ],
    ]);
    // …kept in the alerts' history as a rule's alert is (the Alerts view's timeline): firing, no rule, no value.
    const history = await engine.api.table.request('alerts.history', { from: new Date(Date.now() - 3_600_000).toISOString() });
    expect(history.map((h) => [h.labels.alertname, h.group, h.rule, h.resolvedAt, h.value])).toEqual([
      ['NewError', '', 'NewError', null, null],
    ]);
  });

  it('keeps the group when the same error is raised from other line numbers', async () => {
    runPython(5, 'parse');
    const [group, ...others] = await waitForCount(6);
    expect(others).toEqual([]);
    expect(group!.count).toBe(6);
  });

  it('starts a new group when an app frame changes', async () => {
    runPython(0, 'price');
    const list = await waitForCount(9);
    expect(list.map((g) => [g.title, g.count])).toEqual([
      ["KeyError: 'currency'", 3],
      ["KeyError: 'currency'", 6],
    ]);
    expect(events.map((e) => e.kind)).toEqual(['new', 'new']);
  });

  it('finds the records of a group with group:<id>, and only them', async () => {
    const [price, parse] = await groups();
    const page = await engine.api.table.request('logs.search', { q: `group:${parse!.id}` });
    expect(page.records).toHaveLength(6);
    expect(page.records.every((r) => r.message.includes('in parse'))).toBe(true);
    const other = await engine.api.table.request('logs.search', { q: `group:${price!.id}` });
    expect(other.records).toHaveLength(3);
  });

  it('re-opens a resolved group on a new occurrence (a regression), and tells it', async () => {
    const parse = (await groups())[1]!;
    const resolved = await engine.api.table.request('errors.resolve', { id: parse.id });
    expect(resolved.status).toBe('resolved');
    runPython(2, 'parse');
    await waitForCount(12);
    const again = await engine.api.table.request('errors.get', { id: parse.id });
    expect(again.status).toBe('unresolved');
    expect(again.regressedAt).toBeDefined();
    expect(events.filter((e) => e.kind === 'regressed').map((e) => e.group.id)).toEqual([parse.id]);
    const back = (await engine.api.table.request('alerts.sent', {})).filter((a) => a.labels.alertname === 'ErrorRegressed');
    expect(back.map((a) => [a.labels.error_group, a.annotations.summary])).toEqual([
      [String(parse.id), "Error back: KeyError: 'currency'"],
    ]);
  });

  it('merges two groups: the occurrences, the count and the search follow', async () => {
    const [a, b] = await groups();
    const merged = await engine.api.table.request('errors.merge', { into: a!.id, from: b!.id });
    expect(merged.count).toBe(12);
    const list = await groups();
    expect(list.map((g) => g.id)).toEqual([a!.id]);
    // The merged group's id leads to the group it went into.
    expect((await engine.api.table.request('errors.get', { id: b!.id })).id).toBe(a!.id);
    expect((await engine.api.table.request('logs.search', { q: `group:${b!.id}` })).records).toHaveLength(12);
    // Its fingerprint too: a new occurrence of it counts in the group it went into.
    runPython(0, 'price');
    const after = await waitForCount(15);
    expect(after.map((g) => [g.id, g.count])).toEqual([[a!.id, 15]]);
  });

  it('ignores a group: still listed and counted, never told', async () => {
    const [g] = await groups();
    await engine.api.table.request('errors.ignore', { id: g!.id });
    const told = events.length;
    runPython(0, 'price');
    const [after] = await waitForCount(18);
    expect([after!.status, after!.count]).toEqual(['ignored', 18]);
    expect(events).toHaveLength(told);
    expect(await engine.api.table.request('errors.list', { from: '2000-01-01T00:00:00Z', status: 'unresolved' })).toEqual([]);
  });

  it('ends the stretches of alerts without a rule at a restart (they are not carried over: what still holds fires again)', async () => {
    await engine.close();
    engine = await createEngine({ dataDir: join(dir, 'data'), paths: [join(dir, 'logs')], pollMs: 50, idleMs: 200 });
    const history = await engine.api.table.request('alerts.history', { from: new Date(Date.now() - 3_600_000).toISOString() });
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.filter((h) => h.resolvedAt === null)).toEqual([]);
  });
});

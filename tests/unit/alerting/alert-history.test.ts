// The alerts' history on the test clock over a real SQLite file: a log rule fires and resolves
// twice, each stretch kept with its times (also across a restart of the rules while it fires), and
// retention prunes closed stretches only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertHistory } from '../../../electron/engine/alerting/rules/alert-history.js';
import { RulesManager } from '../../../electron/engine/alerting/rules/rules-manager.js';
import { RuleStateStore } from '../../../electron/engine/alerting/rules/state-store.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { LogWriter } from '../../../electron/engine/signals/logs/log-writer.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { MemorySeriesStore } from '../../../electron/engine/signals/metrics/promql/index.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const ERROR = 17;
const RULES = `groups:
  - name: app
    interval: 10s
    rules:
      - alert: DbErrors
        logs: { query: 'level:error', over: 30s, threshold: '> 0' }
        labels: { severity: P2 }
        annotations: { summary: '{{ $value }} errors' }
`;

let dir: string;
let db: Db;
afterEach(() => {
  db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function setup(): { clock: TestClock; writer: LogWriter; history: AlertHistory; manager: () => RulesManager; file: string } {
  dir = mkdtempSync(join(tmpdir(), 'loupe-alert-history-'));
  const file = join(dir, 'rules.yml');
  writeFileSync(file, RULES);
  const clock = new TestClock(T0);
  db = openDatabase(join(dir, 'loupe.db'));
  registerQueryFunctions(db);
  const writer = new LogWriter(db, clock);
  const reader = new LogReader(db, writer, undefined, clock);
  const history = new AlertHistory(db);
  const manager = (): RulesManager =>
    new RulesManager(
      {
        clock,
        scheduler: new Scheduler(clock),
        series: new MemorySeriesStore(),
        countLogs: (q, from, to) => reader.count({ q, from, to }),
        writeSeries: () => undefined,
        sink: { send: () => undefined },
        store: new RuleStateStore(db),
        history,
        generatorURL: () => '/#/alerts',
      },
      { files: [file], dir: join(dir, 'rules') },
    );
  return { clock, writer, history, manager, file };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

describe('alert history', () => {
  it('keeps each time an alert fired and when it resolved, across a restart of the rules', async () => {
    const { clock, writer, history, manager } = setup();
    const all = (): ReturnType<AlertHistory['list']> => history.list({ fromUs: 0, toUs: Number.MAX_SAFE_INTEGER });
    let rules = manager();
    rules.start();
    await clock.advance(5_000);
    writer.write([{ ts: clock.nowUs(), severity: ERROR, fileId: null, sourceId: null, logger: 'app', message: 'boom', flags: 0 }]);
    await clock.advance(5_000); // evaluated at T0+10s: fires (no `for`)
    expect(all()).toEqual([
      {
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        group: 'app',
        rule: 'DbErrors',
        labels: { alertname: 'DbErrors', severity: 'P2' },
        annotations: { summary: '1 errors' },
        activeAt: iso(T0 + 10_000),
        firedAt: iso(T0 + 10_000),
        resolvedAt: null,
        value: 1,
      },
    ]);
    // Loupe restarts while it fires: the stretch stays open and is closed by the new run.
    await rules.stop();
    rules = manager();
    rules.start();
    await clock.advance(40_000);
    expect(all().map((h) => [h.firedAt, h.resolvedAt])).toEqual([[iso(T0 + 10_000), iso(T0 + 40_000)]]);
    // It fires again: a second stretch, newest first; only stretches overlapping the range are listed.
    writer.write([{ ts: clock.nowUs(), severity: ERROR, fileId: null, sourceId: null, logger: 'app', message: 'again', flags: 0 }]);
    await clock.advance(10_000);
    expect(all().map((h) => h.resolvedAt)).toEqual([null, iso(T0 + 40_000)]);
    const later = history.list({ fromUs: (T0 + 45_000) * 1000, toUs: (T0 + 100_000) * 1000 });
    expect(later.map((h) => h.firedAt)).toEqual([iso(T0 + 60_000)]);
    expect(history.list({ fromUs: 0, toUs: 0, fingerprint: later[0]!.fingerprint })).toHaveLength(2);
    await rules.stop();
    // Retention: closed stretches older than the cutoff go, an open one never does.
    expect(history.pruneOlderThan((T0 + 50_000) * 1000)).toBe(1);
    expect(all()).toHaveLength(1);
  });
});

// Log rules on the test clock over a real SQLite log store: a count of matching records over a
// window against a threshold, and an absence ("no heartbeat for 30 s") that neither fires right
// after a start nor on the wake from a sleep (the window never reaches into unwatched time). Both
// ways of counting: the kept counts (as the engine runs them) and SQL at each evaluation.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../electron/engine/alerting/alert.js';
import { RulesManager } from '../../../electron/engine/alerting/rules/rules-manager.js';
import { RuleStateStore } from '../../../electron/engine/alerting/rules/state-store.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { LogWindowCounts } from '../../../electron/engine/signals/logs/live/window-counts.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { MemorySeriesStore } from '../../../electron/engine/signals/metrics/promql/index.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const ERROR = 17;
const INFO = 9;

const opened: { dir: string; db: Db }[] = [];
afterEach(() => {
  for (const { dir, db } of opened.splice(0)) {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Stores records (and tells the kept counts, as the engine's `logs.stored` does). */
type Write = (records: LogInsert[]) => void;

function setup(rules: string, kept: boolean): { clock: TestClock; manager: RulesManager; writer: Write; sent: Alert[][]; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-log-rules-'));
  const file = join(dir, 'rules.yml');
  writeFileSync(file, rules);
  const clock = new TestClock(T0);
  const db = openDatabase(join(dir, 'loupe.db'));
  opened.push({ dir, db });
  registerQueryFunctions(db);
  const writer = new LogWriter(db, clock);
  const reader = new LogReader(db, writer, undefined, clock);
  const counts = kept ? new LogWindowCounts({ reader }) : null;
  const sent: Alert[][] = [];
  const manager = new RulesManager(
    {
      clock,
      scheduler: new Scheduler(clock),
      series: new MemorySeriesStore(),
      countLogs: (q, from, to) => reader.count({ q, from, to }),
      ...(counts ? { logCounter: (q: string) => counts.counter(q) } : {}),
      writeSeries: () => undefined,
      sink: { send: (alerts) => sent.push([...alerts]) },
      store: new RuleStateStore(db),
      generatorURL: () => '/#/alerts',
    },
    { files: [file], dir: join(dir, 'rules') },
  );
  const write: Write = (records) => {
    const stored = writer.write(records);
    counts?.observe(stored);
  };
  return { clock, manager, writer: write, sent, file };
}

function log(write: Write, clock: TestClock, logger: string, severity: number, message: string): void {
  write([{ ts: clock.nowUs(), severity, fileId: null, sourceId: null, logger, message, flags: 0 }]);
}

describe.each([
  ['kept counts', true],
  ['SQL counts', false],
])('log rules (%s)', (_name, kept) => {
  it('counts the matching records over the window and fires over the threshold, the count as its value', async () => {
    const { clock, manager, writer, sent } = setup(
      `groups:
  - name: logs
    interval: 10s
    rules:
      - alert: DbErrors
        logs: { query: 'level:error logger:app.db', over: 1m, threshold: '> 3' }
        annotations: { summary: '{{ $value }} db errors' }
`,
      kept,
    );
    manager.start();
    await clock.advance(5_000);
    for (let i = 0; i < 4; i++) log(writer, clock, 'app.db', ERROR, `connection refused ${i}`);
    // Others do not count: another logger's errors, the same logger's info.
    for (let i = 0; i < 5; i++) log(writer, clock, 'app.http', ERROR, `500 ${i}`);
    log(writer, clock, 'app.db', INFO, 'pool resized');
    await clock.advance(5_000);
    expect(sent.at(-1)).toEqual([expect.objectContaining({ labels: { alertname: 'DbErrors' }, value: 4, endsAt: null })]);
    expect(sent.at(-1)![0]!.annotations).toEqual({ summary: '4 db errors' });
    // A minute later the errors are out of the window: resolved.
    await clock.advance(60_000);
    expect(sent.at(-1)).toEqual([expect.objectContaining({ labels: { alertname: 'DbErrors' }, endsAt: T0 + 70_000 })]);
    expect(manager.prometheusRules().groups[0]!.rules[0]!.query).toBe('logs: level:error logger:app.db, over 1m, > 3');
    await manager.stop();
  });

  it('counts the records of the second the rules started in, written after their first evaluation', async () => {
    const { clock, manager, writer, sent } = setup(
      `groups:
  - name: logs
    interval: 1s
    rules:
      - alert: DbErrors
        logs: { query: 'level:error logger:app.db', over: 1m, threshold: '> 3' }
`,
      kept,
    );
    // Started 400 ms into a second and evaluated at once (as loupe serve does); the burst comes
    // 300 ms later, within the same second.
    await clock.advance(400);
    manager.start();
    await clock.advance(0);
    expect(manager.prometheusRules().groups[0]!.lastEvaluation).toBe(new Date(T0 + 400).toISOString());
    await clock.advance(300);
    for (let i = 0; i < 4; i++) log(writer, clock, 'app.db', ERROR, `connection refused ${i}`);
    await clock.advance(1_000);
    expect(sent.at(-1)).toEqual([expect.objectContaining({ labels: { alertname: 'DbErrors' }, value: 4, endsAt: null })]);
    await manager.stop();
  });

  it('fires on an absence only once a whole window was watched, and not on the wake from a sleep', async () => {
    const { clock, manager, writer, sent } = setup(
      `groups:
  - name: logs
    interval: 10s
    rules:
      - alert: NoHeartbeat
        logs: { query: heartbeat, absent: 30s }
`,
      kept,
    );
    const firing = (): string[] => manager.prometheusAlerts().alerts.map((a) => a.state);
    manager.start();
    // Just started, nothing in the store: not absent yet (nobody watched 30 s).
    await clock.advance(20_000);
    expect(firing()).toEqual([]);
    // Heartbeats every 10 s: never absent.
    for (let i = 0; i < 6; i++) {
      log(writer, clock, 'worker', INFO, 'heartbeat ok');
      await clock.advance(10_000);
    }
    expect(firing()).toEqual([]);
    // They stop: after 30 s without, it fires.
    await clock.advance(40_000);
    expect(firing()).toEqual(['firing']);
    log(writer, clock, 'worker', INFO, 'heartbeat ok');
    await clock.advance(10_000);
    expect(firing()).toEqual([]);
    const sends = sent.length;

    // The laptop sleeps an hour; the worker slept too. On waking, the last heartbeat is an hour
    // old, but that hour was not watched: no alert, and the heartbeats that resume keep it so.
    clock.sleepMachine(3_600_000);
    await clock.advance(10_000);
    expect(firing()).toEqual([]);
    for (let i = 0; i < 4; i++) {
      log(writer, clock, 'worker', INFO, 'heartbeat ok');
      await clock.advance(10_000);
    }
    expect(firing()).toEqual([]);
    expect(sent.length).toBe(sends);
    expect(manager.rulesView().groups[0]!.skippedEvaluations).toBeGreaterThan(300);
    await manager.stop();
  });
});

describe('log rules, kept counts against SQL counts', () => {
  it('fire and resolve at the same evaluations, with the same values, over bursts, late records and a rule edited', async () => {
    const rules = (threshold: number): string => `groups:
  - name: logs
    interval: 10s
    rules:
      - alert: DbErrors
        logs: { query: 'level:error logger:app.db "refused"', over: 1m, threshold: '> ${threshold}' }
        for: 20s
      - alert: Quiet
        logs: { query: 'level:info', absent: 30s }
        no_data: alerting
`;
    const runs = [setup(rules(5), true), setup(rules(5), false)];
    for (const r of runs) r.manager.start();
    for (let step = 0; step < 60; step++) {
      // Bursts of errors (some from another logger, some late by up to 50 s), and quiet spells.
      const burst = step % 17 < 6 ? (step * 7) % 5 : 0;
      for (const { clock, writer } of runs) {
        const now = clock.nowUs();
        const records: LogInsert[] = [];
        for (let k = 0; k < burst; k++) {
          records.push({
            ts: now - ((k * 13) % 50) * 1_000_000,
            severity: ERROR,
            fileId: null,
            sourceId: null,
            logger: k % 4 === 3 ? 'app.http' : 'app.db.pool',
            message: `connection refused ${k}`,
            flags: 0,
          });
        }
        if (step % 20 < 10)
          records.push({ ts: now, severity: INFO, fileId: null, sourceId: null, logger: 'app', message: 'tick', flags: 0 });
        writer(records);
      }
      if (step === 40)
        for (const { manager, file } of runs) {
          writeFileSync(file, rules(2));
          manager.reload();
        }
      for (const { clock } of runs) await clock.advance(4_000);
    }
    const [kept, sql] = runs.map((r) =>
      r.sent.flat().map((a) => ({ name: a.labels.alertname, value: a.value, startsAt: a.startsAt, endsAt: a.endsAt })),
    );
    expect(kept).toEqual(sql);
    // Both kinds of sends happened: firings and resolutions of each rule.
    expect(new Set(kept!.map((a) => `${a.name} ${a.endsAt === null ? 'firing' : 'resolved'}`))).toEqual(
      new Set(['DbErrors firing', 'DbErrors resolved', 'Quiet firing', 'Quiet resolved']),
    );
    for (const { manager } of runs) await manager.stop();
  });
});

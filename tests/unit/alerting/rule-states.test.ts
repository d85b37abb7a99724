// The rules' state machine on the test clock, as a table of scenarios: a metric's value at each
// evaluation (every 10 s) and the alerts the evaluator must send to the sink after each one —
// Prometheus's pending → firing → resolved with `for` and `keep_firing_for`, the no-data and
// error choices, a restart in the middle of `for` (the state in a real SQLite file), and a sleep
// of the machine (skipped, said, never replayed).
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
import { MemorySeriesStore, STALE_NAN, type SeriesStore } from '../../../electron/engine/signals/metrics/promql/index.js';

const INTERVAL_MS = 10_000;
const T0 = Date.UTC(2026, 0, 1, 12);

interface Harness {
  clock: TestClock;
  series: MemorySeriesStore;
  manager: RulesManager;
  db: Db;
  /** What was sent after each evaluation, as `firing NAME@startsAt` / `resolved NAME@endsAt` (seconds after T0). */
  sent: string[][];
  /** Makes the store fail (a database that cannot be read) while true. */
  failing: { on: boolean };
  stop(): Promise<void>;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function describeAlert(a: Alert): string {
  const s = (ms: number): number => (ms - T0) / 1000;
  // `Errors{job=api}` for the series' alert, `Errors{}` for the rule's own (no data, error).
  const { alertname, ...rest } = a.labels;
  const name = `${alertname}{${Object.entries(rest)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;
  return a.endsAt === null ? `firing ${name}@${s(a.startsAt)}` : `resolved ${name}@${s(a.endsAt)}`;
}

async function harness(rules: string, opts: { dir?: string; clock?: TestClock } = {}): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'loupe-rules-'));
  if (!opts.dir) dirs.push(dir);
  const file = join(dir, 'rules.yml');
  writeFileSync(file, rules);
  const clock = opts.clock ?? new TestClock(T0);
  const scheduler = new Scheduler(clock);
  const db = openDatabase(join(dir, 'loupe.db'));
  const series = new MemorySeriesStore();
  const failing = { on: false };
  const store: SeriesStore = {
    select: (m, a, b) => {
      if (failing.on) throw new Error('disk I/O error');
      return series.select(m, a, b);
    },
  };
  const sent: string[][] = [];
  let current: string[] = [];
  const manager = new RulesManager(
    {
      clock,
      scheduler,
      series: store,
      countLogs: () => 0,
      writeSeries: () => undefined,
      sink: { send: (alerts) => current.push(...alerts.map(describeAlert)) },
      store: new RuleStateStore(db),
      generatorURL: () => '/#/alerts',
    },
    { files: [file], dir: join(dir, 'rules') },
  );
  // Each evaluation's sends are one entry (an evaluation that sent nothing is an empty one).
  const original = scheduler.add.bind(scheduler);
  scheduler.add = (spec, o) =>
    original(
      spec.name.startsWith('alerts.group')
        ? {
            ...spec,
            run: () => {
              current = [];
              void spec.run();
              sent.push(current);
            },
          }
        : spec,
      o,
    );
  return {
    clock,
    series,
    manager,
    db,
    sent,
    failing,
    stop: async () => {
      await manager.stop();
      db.close();
    },
  };
}

/** The value of `errors{job="api"}` at each evaluation (null: the series ends); returns what each one sent. */
async function run(h: Harness, values: readonly (number | null)[]): Promise<string[][]> {
  const from = h.sent.length;
  for (const [i, v] of values.entries()) {
    const t = h.clock.nowMs() + (i === 0 && from === 0 ? 0 : INTERVAL_MS);
    h.series.append({ __name__: 'errors', job: 'api' }, t, v ?? STALE_NAN);
    if (i === 0 && from === 0) {
      h.manager.start();
      await h.clock.advance(0);
    } else await h.clock.advance(INTERVAL_MS);
  }
  return h.sent.slice(from);
}

const rule = (extra: string): string => `groups:
  - name: g
    interval: 10s
    rules:
      - alert: Errors
        expr: errors > 5
${extra
  .split('\n')
  .filter(Boolean)
  .map((l) => `        ${l}`)
  .join('\n')}
`;

interface Scenario {
  name: string;
  extra: string;
  values: (number | null)[];
  /** What each evaluation sends. */
  sends: string[][];
  /** While the store fails (evaluation errors), by evaluation index. */
  failAt?: number[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'for: pending three evaluations, then firing (startsAt is when it fired), sent again at each evaluation',
    extra: 'for: 30s',
    values: [10, 10, 10, 10, 10],
    sends: [[], [], [], ['firing Errors{job=api}@30'], ['firing Errors{job=api}@30']],
  },
  {
    name: 'a pending alert whose condition goes away is dropped: nothing is sent',
    extra: 'for: 30s',
    values: [10, 10, 1, 10],
    sends: [[], [], [], []],
  },
  {
    name: 'flapping without keep_firing_for: each firing and each resolution sent, a resolution once',
    extra: '',
    values: [10, 1, 10, 1, 1],
    sends: [
      ['firing Errors{job=api}@0'],
      ['resolved Errors{job=api}@10'],
      ['firing Errors{job=api}@20'],
      ['resolved Errors{job=api}@30'],
      [],
    ],
  },
  {
    name: 'keep_firing_for rides over the dips and resolves once the condition stayed away that long',
    extra: 'keep_firing_for: 30s',
    values: [10, 1, 10, 1, 1, 1, 1, 1],
    sends: [
      ['firing Errors{job=api}@0'],
      ['firing Errors{job=api}@0'],
      ['firing Errors{job=api}@0'],
      ['firing Errors{job=api}@0'],
      ['firing Errors{job=api}@0'],
      ['firing Errors{job=api}@0'],
      ['resolved Errors{job=api}@60'],
      [],
    ],
  },
  {
    name: 'no_data: ok (Prometheus): the series ends, the alert resolves',
    extra: '',
    values: [10, null, null],
    sends: [['firing Errors{job=api}@0'], ['resolved Errors{job=api}@10'], []],
  },
  {
    name: 'no_data: keep_state: the series ends, the alert keeps firing',
    extra: 'no_data: keep_state',
    values: [10, null, null],
    sends: [['firing Errors{job=api}@0'], ['firing Errors{job=api}@0'], ['firing Errors{job=api}@0']],
  },
  {
    name: 'no_data: alerting: the series alert resolves, the rule itself fires for the missing data',
    extra: 'no_data: alerting\nfor: 10s',
    values: [10, 10, null, null, 10],
    sends: [[], ['firing Errors{job=api}@10'], ['resolved Errors{job=api}@20'], ['firing Errors{}@30'], ['resolved Errors{}@40']],
  },
  {
    name: 'no_data is not "under the threshold": a low value is data, the rule is simply fine',
    extra: 'no_data: alerting',
    values: [1, 1],
    sends: [[], []],
  },
  {
    name: 'error: keep_state (Prometheus): an evaluation error changes nothing, the firing alert is sent again',
    extra: '',
    values: [10, 10, 10],
    failAt: [1, 2],
    sends: [['firing Errors{job=api}@0'], ['firing Errors{job=api}@0'], ['firing Errors{job=api}@0']],
  },
  {
    name: 'error: ok: an evaluation error resolves what fired',
    extra: 'error: ok',
    values: [10, 10, 10],
    failAt: [1, 2],
    sends: [['firing Errors{job=api}@0'], ['resolved Errors{job=api}@10'], []],
  },
  {
    name: 'error: alerting: the rule itself fires while it cannot be evaluated',
    extra: 'error: alerting',
    values: [10, 10, 10],
    failAt: [1, 2],
    sends: [['firing Errors{job=api}@0'], ['resolved Errors{job=api}@10', 'firing Errors{}@10'], ['firing Errors{}@10']],
  },
];

describe('rule states on the test clock', () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const h = await harness(rule(s.extra));
      try {
        const sends: string[][] = [];
        for (const [i, v] of s.values.entries()) {
          h.failing.on = s.failAt?.includes(i) ?? false;
          sends.push(...(await run(h, [v])));
        }
        expect(sends).toEqual(s.sends);
      } finally {
        await h.stop();
      }
    });
  }

  it('says the error on the rule while it lasts (health, lastError), and the no-data alert why it fires', async () => {
    const h = await harness(rule('error: alerting'));
    try {
      await run(h, [10]);
      h.failing.on = true;
      await run(h, [10]);
      const r = h.manager.prometheusRules().groups[0]!.rules[0]!;
      expect(r).toMatchObject({ health: 'err', lastError: 'disk I/O error' });
      const alerts = h.manager.prometheusAlerts().alerts;
      expect(alerts).toEqual([
        expect.objectContaining({
          labels: { alertname: 'Errors' },
          annotations: { error: 'disk I/O error' },
          state: 'firing',
          value: 'NaN',
        }),
      ]);
    } finally {
      await h.stop();
    }
  });

  it("applies the group's limit as Prometheus does: more alerts than that is an evaluation error", async () => {
    const h = await harness(`groups:
  - name: g
    interval: 10s
    limit: 1
    rules:
      - alert: Two
        expr: errors > 5 or label_replace(errors, "copy", "yes", "", "") > 5
`);
    try {
      expect(await run(h, [10])).toEqual([[]]);
      expect(h.manager.prometheusRules().groups[0]!.rules[0]).toMatchObject({
        health: 'err',
        lastError: 'exceeded limit of 1 with 2 alerts',
      });
    } finally {
      await h.stop();
    }
  });

  it('a restart in the middle of `for` keeps its timer, and what was sent is not sent again (state in the SQLite file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-rules-'));
    dirs.push(dir);
    const text = `groups:
  - name: g
    interval: 10s
    rules:
      - alert: Errors
        expr: errors > 5
        for: 40s
      - alert: Flap
        expr: errors > 5 and errors < 8
`;
    const first = await harness(text, { dir });
    // Flap fires at 0; Errors is pending from 0.
    expect(await run(first, [6, 6, 6])).toEqual([['firing Flap{job=api}@0'], ['firing Flap{job=api}@0'], ['firing Flap{job=api}@0']]);
    await first.stop();

    // Loupe restarts 5 s later, on the same database; its first evaluation is at start.
    const clock = new TestClock(T0 + 25_000);
    const second = await harness(text, { dir, clock });
    second.series.append({ __name__: 'errors', job: 'api' }, T0 + 25_000, 10);
    second.manager.start();
    await clock.advance(0);
    // Flap was firing: its resolution is sent (once), with the startsAt it had. Errors has been
    // pending since 0: it fires at its first evaluation 40 s after 0 (45), not 40 s after the restart.
    const after = await run(second, [10, 10]);
    expect([second.sent[0], ...after]).toEqual([['resolved Flap{job=api}@25'], [], ['firing Errors{job=api}@45']]);
    expect(second.manager.prometheusAlerts().alerts[0]!.activeAt).toBe(new Date(T0).toISOString());
    await second.stop();
  });

  it('a sleep of the machine skips the evaluations (said on the group) and does not fire on the gap', async () => {
    const h = await harness(rule('for: 60s'));
    try {
      expect(await run(h, [10, 10])).toEqual([[], []]);
      // The lid closes for an hour with the alert pending since 0; the condition still holds on waking.
      h.clock.sleepMachine(3_600_000);
      // Prometheus would fire now (pending for over an hour): Loupe did not watch that hour.
      expect(await run(h, [10])).toEqual([[]]);
      const view = h.manager.rulesView().groups[0]!;
      expect(view.skippedEvaluations).toBe(360);
      expect(view.lastSkip).toEqual({ at: new Date(T0 + 3_620_000).toISOString(), missed: 360 });
      // The `for` counts again from the wake: 60 s of watched condition.
      const wake = 3_620;
      const sends = await run(h, [10, 10, 10, 10, 10, 10]);
      expect(sends).toEqual([[], [], [], [], [], [`firing Errors{job=api}@${wake + 60}`]]);
    } finally {
      await h.stop();
    }
  });
});

// The alert manager's semantics as a table of scenarios on the test clock: what each sequence of
// alerts, silences and acknowledgements must notify, when, and how urgently. The notifications are
// read where a page reads them (the `alerts.notifications` topic), over a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertNotificationEvent } from '../../../shared/api.js';
import type { Alert } from '../../../electron/engine/alerting/alert.js';
import { AlertManager } from '../../../electron/engine/alerting/manager/alert-manager.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { EventBus } from '../../../electron/engine/core/events.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { parseDuration } from '../../../electron/engine/signals/metrics/promql/parse.js';

const CONFIG = `
route:
  receiver: me
  group_by: [alertname]
  routes:
    - matchers: ['severity="P1"']
      group_wait: 0s
      repeat_interval: 1h
    - matchers: ['severity="P2"']
      escalate_after: 20m
    - matchers: ['team="night"']
      mute_time_intervals: [nights]
receivers:
  - name: me
    browser_configs: [{}]
inhibit_rules:
  - source_matchers: ['alertname="NodeDown"']
    target_matchers: ['severity="P3"']
    equal: [instance]
  - source_matchers: ['alertname="ServiceDown"']
    target_matchers: ['alertname="ServiceSlow"']
    listed_in: { source: service, target: depends_on }
time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: '00:00', end_time: '06:00'}]
`;

const START = Date.UTC(2026, 0, 1); // a Thursday, 00:00 UTC

function alert(name: string, labels: Record<string, string>, summary?: string): Alert {
  const all = { alertname: name, ...labels };
  return {
    labels: all,
    annotations: summary ? { summary } : {},
    startsAt: START,
    endsAt: null,
    generatorURL: `#/alerts/${name}`,
    fingerprint: JSON.stringify(all),
    value: 1,
  };
}

type Step =
  | { at: string; fire: Alert }
  | { at: string; resolve: Alert }
  | { at: string; silence: Record<string, string>; for: string }
  | { at: string; ack: Alert };

interface Scenario {
  name: string;
  steps: Step[];
  until: string;
  /** `time kind urgency title`, time since the start. */
  expect: string[];
}

const api5xxA = alert('Api5xx', { severity: 'P3', instance: 'a' });
const api5xxB = alert('Api5xx', { severity: 'P3', instance: 'b' });
const diskSlow = alert('DiskSlow', { severity: 'P3', instance: 'a' });
const nodeDown = alert('NodeDown', { severity: 'P3', instance: 'a', role: 'source' });
const dbDown = alert('DbDown', { severity: 'P1' }, 'the database refuses connections');
const queueStuck = alert('QueueStuck', { severity: 'P2' });
const backup = alert('BackupLate', { team: 'night' });
const dbServiceDown = alert('ServiceDown', { severity: 'P3', service: 'db' });
const apiSlow = alert('ServiceSlow', { severity: 'P3', service: 'api', depends_on: 'cache,db' });
const webSlow = alert('ServiceSlow', { severity: 'P3', service: 'web', depends_on: 'dbx,db2' });

const SCENARIOS: Scenario[] = [
  {
    name: 'group_wait batches the alerts of a group into one notification',
    steps: [
      { at: '0s', fire: api5xxA },
      { at: '10s', fire: api5xxB },
    ],
    until: '1h',
    expect: ['30s firing normal P3 Api5xx (2 firing)'],
  },
  {
    name: 'an alert joining a notified group waits for the next group_interval',
    steps: [
      { at: '0s', fire: api5xxA },
      { at: '1m', fire: api5xxB },
    ],
    until: '1h',
    expect: ['30s firing normal P3 Api5xx firing', '5m30s firing normal P3 Api5xx (2 firing)'],
  },
  {
    name: 'repeat_interval repeats a notification that did not change',
    steps: [{ at: '0s', fire: api5xxA }],
    until: '4h10m',
    expect: ['30s firing normal P3 Api5xx firing', '4h30s repeat normal P3 Api5xx firing'],
  },
  {
    name: 'silenced after it was notified, then resolved: the resolved notice still goes',
    steps: [
      { at: '0s', fire: api5xxA },
      { at: '1m', silence: { alertname: 'Api5xx' }, for: '2h' },
      { at: '10m', resolve: api5xxA },
    ],
    until: '1h',
    expect: ['30s firing normal P3 Api5xx firing', '10m30s resolved low Resolved: P3 Api5xx'],
  },
  {
    name: 'silenced before it fired: nothing at all, resolved included',
    steps: [
      { at: '0s', silence: { alertname: 'Api5xx' }, for: '2h' },
      { at: '1m', fire: api5xxA },
      { at: '10m', resolve: api5xxA },
    ],
    until: '1h',
    expect: [],
  },
  {
    name: 'inhibited after it was notified, then resolved: the resolved notice still goes',
    steps: [
      { at: '0s', fire: diskSlow },
      { at: '1m', fire: nodeDown },
      { at: '10m', resolve: diskSlow },
    ],
    until: '30m',
    expect: ['30s firing normal P3 DiskSlow firing', '1m30s firing normal P3 NodeDown firing', '10m30s resolved low Resolved: P3 DiskSlow'],
  },
  {
    name: "listed_in: a service's alert is quiet while one it depends on is down; its resolved notice still goes",
    steps: [
      { at: '0s', fire: apiSlow },
      { at: '1m', fire: dbServiceDown },
      { at: '2m', fire: apiSlow },
      { at: '10m', resolve: apiSlow },
    ],
    until: '30m',
    expect: [
      '30s firing normal P3 ServiceSlow firing',
      '1m30s firing normal P3 ServiceDown firing',
      '10m30s resolved low Resolved: P3 ServiceSlow',
    ],
  },
  {
    name: 'listed_in matches whole items of the list only',
    steps: [
      { at: '0s', fire: dbServiceDown },
      { at: '5s', fire: webSlow },
    ],
    until: '1h',
    expect: ['30s firing normal P3 ServiceDown firing', '35s firing normal P3 ServiceSlow firing'],
  },
  {
    name: 'inhibited from the start: only the source is notified',
    steps: [
      { at: '0s', fire: nodeDown },
      { at: '5s', fire: diskSlow },
    ],
    until: '1h',
    expect: ['30s firing normal P3 NodeDown firing'],
  },
  {
    name: 'P1 notifies at once; acknowledged, it stays quiet (no repeat) until its resolved notice',
    steps: [
      { at: '0s', fire: dbDown },
      { at: '5m', ack: dbDown },
      { at: '3h', resolve: dbDown },
    ],
    until: '4h',
    expect: ['0s firing critical P1 DbDown firing', '3h5m resolved low Resolved: P1 DbDown'],
  },
  {
    name: 'P1 unacknowledged repeats every repeat_interval (1h of its route)',
    steps: [{ at: '0s', fire: dbDown }],
    until: '1h10m',
    expect: ['0s firing critical P1 DbDown firing', '1h repeat critical P1 DbDown firing'],
  },
  {
    name: 'unacknowledged after escalate_after: notified again one urgency higher, until acknowledged',
    steps: [
      { at: '0s', fire: queueStuck },
      { at: '45m', ack: queueStuck },
    ],
    until: '2h',
    expect: [
      '30s firing normal P2 QueueStuck firing',
      '20m30s escalation critical Still firing, not acknowledged: P2 QueueStuck',
      '40m30s escalation critical Still firing, not acknowledged: P2 QueueStuck',
    ],
  },
  {
    name: 'a mute time interval holds the notification until it ends',
    steps: [{ at: '0s', fire: backup }],
    until: '7h',
    expect: ['6h30s firing normal BackupLate firing'],
  },
];

const ms = (d: string): number => parseDuration(d)!;

function fmt(t: number): string {
  if (t === 0) return '0s';
  const h = Math.floor(t / 3600_000);
  const m = Math.floor((t % 3600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb(): { db: Db; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-am-'));
  dirs.push(dir);
  const path = join(dir, 'loupe.db');
  return { db: openDatabase(path), path };
}

/** A manager on the clock, and the notifications its page would receive (as `time kind urgency title`). */
function managerOn(db: Db, clock: TestClock, startMs = START): { manager: AlertManager; seen: string[]; events: AlertNotificationEvent[] } {
  const manager = new AlertManager({ db, scheduler: new Scheduler(clock), events: new EventBus(), config: CONFIG });
  const seen: string[] = [];
  const events: AlertNotificationEvent[] = [];
  manager.subscribeBrowser((e) => {
    events.push(e);
    seen.push(`${fmt(clock.nowMs() - startMs)} ${e.kind} ${e.urgency} ${e.title}`);
  });
  manager.start();
  return { manager, seen, events };
}

describe('alert manager scenarios (test clock)', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const { db } = tempDb();
      const clock = new TestClock(START);
      const { manager, seen } = managerOn(db, clock);
      for (const step of [...scenario.steps].sort((a, b) => ms(a.at) - ms(b.at))) {
        await clock.advance(START + ms(step.at) - clock.nowMs());
        if ('fire' in step) manager.send([step.fire]);
        else if ('resolve' in step) manager.send([{ ...step.resolve, endsAt: clock.nowMs() }]);
        else if ('ack' in step) expect(manager.acknowledge([step.ack.fingerprint], 'me', '')).toEqual([step.ack.fingerprint]);
        else
          manager.createSilence({
            matchers: Object.entries(step.silence).map(([name, value]) => ({ name, value, isRegex: false })),
            endsAtMs: clock.nowMs() + ms(step.for),
            comment: 'deploying',
          });
      }
      await clock.advance(START + ms(scenario.until) - clock.nowMs());
      expect(seen).toEqual(scenario.expect);
      manager.stop();
      db.close();
    });
  }

  it('a silence with a regex matcher silences what the regex matches, whole values only', async () => {
    const { db } = tempDb();
    const clock = new TestClock(START);
    const { manager, seen } = managerOn(db, clock);
    manager.createSilence({ matchers: [{ name: 'instance', value: 'a|c', isRegex: true }], endsAtMs: START + 3600_000 });
    manager.send([api5xxA, alert('Api5xx', { severity: 'P3', instance: 'ab' })]);
    await clock.advance(ms('1m'));
    // instance="ab" is not silenced by a|c (anchored, as Alertmanager): one alert is notified.
    expect(seen).toEqual(['30s firing normal P3 Api5xx firing']);
    expect(manager.history(10, undefined)[0]?.alerts.map((a) => a.fingerprint)).toEqual([
      JSON.stringify({ alertname: 'Api5xx', severity: 'P3', instance: 'ab' }),
    ]);
    manager.stop();
    db.close();
  });

  it('reminds of a silence before it expires', async () => {
    const { db } = tempDb();
    const clock = new TestClock(START);
    const { manager, seen } = managerOn(db, clock);
    manager.createSilence({
      matchers: [{ name: 'alertname', value: 'Api5xx', isRegex: false }],
      endsAtMs: START + ms('2h'),
      createdBy: 'ana',
      comment: 'deploy',
    });
    await clock.advance(ms('3h'));
    expect(seen).toEqual(['1h45m silence-expiring low Silence ends in 15 min: alertname="Api5xx"']);
    expect(manager.listSilences()[0]?.status.state).toBe('expired');
    manager.stop();
    db.close();
  });
});

describe('alert manager restart (real SQLite file)', () => {
  it('does not notify again after a restart what was notified before it, and still sends the resolved notice', async () => {
    const { db, path } = tempDb();
    const clock = new TestClock(START);
    const first = managerOn(db, clock);
    first.manager.send([api5xxA]);
    await clock.advance(ms('1m'));
    expect(first.seen).toEqual(['30s firing normal P3 Api5xx firing']);
    first.manager.stop();
    db.close();

    // A new process: a new clock and scheduler; the evaluator sends the alert again as it evaluates.
    const db2 = openDatabase(path);
    const clock2 = new TestClock(START + ms('10m'));
    const second = managerOn(db2, clock2, START);
    await clock2.advance(ms('15s'));
    second.manager.send([api5xxA]);
    await clock2.advance(ms('1h'));
    expect(second.seen).toEqual([]);
    second.manager.send([{ ...api5xxA, endsAt: clock2.nowMs() }]);
    await clock2.advance(ms('10m'));
    expect(second.seen).toEqual(['1h15m resolved low Resolved: P3 Api5xx']);
    second.manager.stop();
    db2.close();
  });

  it('resolves, with its notice, a notified alert the evaluator does not send again after a restart (resolve_timeout)', async () => {
    const { db, path } = tempDb();
    const clock = new TestClock(START);
    const first = managerOn(db, clock);
    first.manager.send([api5xxA]);
    await clock.advance(ms('1m'));
    first.manager.stop();
    db.close();

    const db2 = openDatabase(path);
    const clock2 = new TestClock(START + ms('1h'));
    const second = managerOn(db2, clock2, START);
    await clock2.advance(ms('20m'));
    // Resolved at resolve_timeout (5m after the start); the notice at the group's next look after it.
    expect(second.seen).toEqual(['1h10m resolved low Resolved: P3 Api5xx']);
    second.manager.stop();
    db2.close();
  });
});

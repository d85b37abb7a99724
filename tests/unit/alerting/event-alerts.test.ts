// Alerts from events (a new error group, a new warn+ pattern) on the test clock: firing at the
// event, re-armed by the next event of the same alert, resolved once after an hour without one.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../electron/engine/alerting/alert.js';
import { EVENT_ALERT_HOLD_MS, EventAlerts } from '../../../electron/engine/alerting/event-alerts.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { alertFingerprint } from '../../../shared/alert-fingerprint.js';

const T0 = Date.UTC(2026, 10, 30, 9);

describe('event alerts', () => {
  it('fire at the event, stay while events come, resolve once an hour after the last', async () => {
    const clock = new TestClock(T0);
    const sent: Alert[] = [];
    const alerts = new EventAlerts({ sink: { send: (a) => sent.push(...a) }, scheduler: new Scheduler(clock) });
    const labels = { alertname: 'NewError', severity: 'P3', error_group: '7' };
    const spec = { labels, annotations: { summary: "New error: KeyError: 'currency'" }, generatorURL: '/#/errors/7' };
    alerts.fire(spec);
    expect(sent).toEqual([
      {
        labels,
        annotations: spec.annotations,
        startsAt: T0,
        endsAt: null,
        generatorURL: '/#/errors/7',
        fingerprint: alertFingerprint(labels),
        value: 1,
      },
    ]);
    await clock.advance(30 * 60_000);
    alerts.fire(spec); // again: the same alert, its start kept, its resolution pushed back
    expect(sent.map((a) => [a.startsAt, a.endsAt])).toEqual([
      [T0, null],
      [T0, null],
    ]);
    await clock.advance(EVENT_ALERT_HOLD_MS - 1);
    expect(sent).toHaveLength(2);
    await clock.advance(1);
    expect(sent.map((a) => [a.startsAt, a.endsAt])).toEqual([
      [T0, null],
      [T0, null],
      [T0, T0 + 30 * 60_000 + EVENT_ALERT_HOLD_MS],
    ]);
    await clock.advance(10 * EVENT_ALERT_HOLD_MS);
    expect(sent).toHaveLength(3);
  });

  it('does not alert on history: an event whose record is older than the hold', () => {
    const clock = new TestClock(T0);
    const sent: Alert[] = [];
    const alerts = new EventAlerts({ sink: { send: (a) => sent.push(...a) }, scheduler: new Scheduler(clock) });
    const spec = { labels: { alertname: 'NewError', error_group: '1' }, annotations: {}, generatorURL: '' };
    alerts.fire({ ...spec, atMs: T0 - EVENT_ALERT_HOLD_MS - 1 });
    expect([sent.length, alerts.historic]).toEqual([0, 1]);
    alerts.fire({ ...spec, atMs: T0 - 60_000 });
    expect(sent).toHaveLength(1);
  });

  it('keeps alerts of different labels apart, and stops its timers', async () => {
    const clock = new TestClock(T0);
    const sent: Alert[] = [];
    const alerts = new EventAlerts({ sink: { send: (a) => sent.push(...a) }, scheduler: new Scheduler(clock) });
    for (const id of ['1', '2'])
      alerts.fire({ labels: { alertname: 'NewLogPattern', severity: 'P4', pattern: id }, annotations: {}, generatorURL: '' });
    expect(new Set(sent.map((a) => a.fingerprint)).size).toBe(2);
    alerts.stop();
    await clock.advance(2 * EVENT_ALERT_HOLD_MS);
    expect(sent).toHaveLength(2);
  });
});

// What the desktop shows for the alert manager (electron/main/alert-notifications.ts): urgency and
// do-not-disturb, buttons per platform and what they send, replacement by id, where a click goes,
// the tray's state, its list of firing alerts with their actions, its alarm colour.
import { describe, expect, it } from 'vitest';
import {
  alarmBitmap,
  alertRoute,
  buttonMessages,
  firingAlerts,
  notificationOptions,
  ShownNotifications,
  TRAY_MAX_ALERTS,
  trayAlertEntries,
  trayState,
  type AlertNotify,
} from '../../../electron/main/alert-notifications.js';
import { parseHostToMain, parseMainToHost } from '../../../shared/host-protocol.js';

const DB_DOWN: AlertNotify = {
  type: 'alert-notify',
  id: 'g1',
  groupId: 'g1',
  title: 'P1 DbDown firing',
  body: 'refused',
  urgency: 'critical',
  alertUrl: '/#/alerts?group=db&rule=DbDown',
  fingerprints: '["fp-db"]',
  overrideDoNotDisturb: false,
};

describe('desktop alert notifications', () => {
  it('reads the host message and shows a critical alert until dismissed', () => {
    const msg = parseHostToMain({
      type: 'alert-notify',
      id: 'g1',
      groupId: 'g1',
      title: 'P1 DbDown firing',
      body: 'refused',
      urgency: 'critical',
      alertUrl: 'http://127.0.0.1:4320/#/alerts/DbDown',
      fingerprints: '["fp-db"]',
      overrideDoNotDisturb: true,
    });
    expect(msg?.type).toBe('alert-notify');
    if (msg?.type !== 'alert-notify') return;
    expect(notificationOptions(msg, 'linux')).toEqual({
      title: 'P1 DbDown firing',
      body: 'refused',
      urgency: 'critical',
      timeoutType: 'never',
      silent: false,
      actions: [],
    });
    expect(notificationOptions({ ...msg, urgency: 'loud' }, 'linux')).toMatchObject({ urgency: 'normal', timeoutType: 'default' });
    expect(alertRoute(msg.alertUrl)).toBe('#/alerts/DbDown');
    expect(alertRoute('https://grafana.example/d/1')).toBeNull();
    expect(parseHostToMain({ type: 'alert-notify', id: 'g1' })).toBeNull();
  });

  it('replaces the notification of the same id instead of stacking', () => {
    const closed: string[] = [];
    const shown = new ShownNotifications<{ close(): void }>();
    const make = (name: string) => ({ close: () => closed.push(name) });
    shown.show('g1', make('first'));
    shown.show('g2', make('other group'));
    shown.show('g1', make('second'));
    expect(closed).toEqual(['first']);
    expect(shown.size).toBe(2);
  });

  it('passes do-not-disturb with a P1 only when the user allowed it', () => {
    // GNOME and KDE show `critical` notifications under do-not-disturb: without the setting, a P1
    // goes as `normal` (the desktop holds it back) yet still stays on screen until dismissed.
    expect(notificationOptions({ ...DB_DOWN, overrideDoNotDisturb: false }, 'linux')).toMatchObject({
      urgency: 'normal',
      timeoutType: 'never',
    });
    expect(notificationOptions({ ...DB_DOWN, overrideDoNotDisturb: true }, 'linux')).toMatchObject({ urgency: 'critical' });
    expect(notificationOptions({ ...DB_DOWN, urgency: 'low', overrideDoNotDisturb: true }, 'linux')).toMatchObject({
      urgency: 'low',
      silent: true,
    });
  });

  it('has Open, Snooze 1 h and Acknowledge buttons on macOS and Windows, none on Linux', () => {
    const buttons = [
      { type: 'button', text: 'Open' },
      { type: 'button', text: 'Snooze 1 h' },
      { type: 'button', text: 'Acknowledge' },
    ];
    expect(notificationOptions(DB_DOWN, 'darwin').actions).toEqual(buttons);
    expect(notificationOptions(DB_DOWN, 'win32').actions).toEqual(buttons);
    expect(notificationOptions(DB_DOWN, 'linux').actions).toEqual([]);
    // A resolved notice has nothing left to act on.
    expect(notificationOptions({ ...DB_DOWN, fingerprints: '[]' }, 'darwin').actions).toEqual([]);
  });

  it('turns a button into the engine messages for each firing alert of the notification', () => {
    const two = { ...DB_DOWN, fingerprints: '["fp-db","fp-cache"]' };
    expect(buttonMessages(two, 0)).toBe('open');
    expect(buttonMessages(two, 1)).toEqual([
      { type: 'alert-action', fingerprint: 'fp-db', action: 'snooze' },
      { type: 'alert-action', fingerprint: 'fp-cache', action: 'snooze' },
    ]);
    expect(buttonMessages(two, 2)).toEqual([
      { type: 'alert-action', fingerprint: 'fp-db', action: 'acknowledge' },
      { type: 'alert-action', fingerprint: 'fp-cache', action: 'acknowledge' },
    ]);
    expect(buttonMessages(two, 3)).toBeNull();
    expect(buttonMessages({ ...DB_DOWN, fingerprints: 'not json' }, 1)).toEqual([]);
    // Each message is one the engine host accepts.
    for (const m of buttonMessages(two, 1) as unknown[]) expect(parseMainToHost(m)).toEqual(m);
  });

  it('lists the firing alerts in the tray menu with the same actions', () => {
    const msg = {
      type: 'alerts-firing' as const,
      count: 2,
      critical: true,
      alerts: JSON.stringify([
        { fingerprint: 'fp-db', title: 'DbDown: refused', severity: 'P1', url: '/#/alerts?group=db&rule=DbDown' },
        { fingerprint: 'fp-x', title: 'Broken' }, // malformed: left out
        { fingerprint: 'fp-slow', title: 'Slow', severity: '', url: '' },
      ]),
    };
    expect(parseHostToMain(msg)).toEqual(msg);
    const entries = trayAlertEntries(firingAlerts(msg));
    expect(entries.map((e) => e.label)).toEqual(['P1 · DbDown: refused', 'Slow']);
    expect(entries[0]!.actions).toEqual([
      { label: 'Open', run: { open: '#/alerts?group=db&rule=DbDown' } },
      { label: 'Snooze 1 h', run: { send: { type: 'alert-action', fingerprint: 'fp-db', action: 'snooze' } } },
      { label: 'Acknowledge', run: { send: { type: 'alert-action', fingerprint: 'fp-db', action: 'acknowledge' } } },
    ]);
    expect(entries[1]!.actions[0]).toEqual({ label: 'Open', run: { open: '#/alerts' } });
    expect(firingAlerts({ ...msg, alerts: '{' })).toEqual([]);

    const many = Array.from({ length: TRAY_MAX_ALERTS + 3 }, (_, i) => ({
      fingerprint: `fp${i}`,
      title: `A${i}`,
      severity: 'P3',
      url: '',
    }));
    const listed = trayAlertEntries(many);
    expect(listed).toHaveLength(TRAY_MAX_ALERTS + 1);
    expect(listed.at(-1)).toEqual({ label: '3 more…', actions: [{ label: 'Open Alerts', run: { open: '#/alerts' } }] });
    // An acknowledged alert stays listed, marked, without the Acknowledge action.
    const acked = trayAlertEntries(
      firingAlerts({
        ...msg,
        alerts: JSON.stringify([{ fingerprint: 'fp-db', title: 'DbDown', severity: 'P1', url: '', acknowledged: true }]),
      }),
    );
    expect(acked.map((e) => [e.label, e.actions.map((a) => a.label)])).toEqual([['✓ P1 · DbDown', ['Open', 'Snooze 1 h']]]);
  });

  it('draws the tray icon in the alarm colour, transparency kept', () => {
    // Two BGRA pixels: a blue opaque one, a transparent one.
    const icon = new Uint8Array([0xef, 0x8d, 0x5b, 0xff, 0, 0, 0, 0]);
    expect([...alarmBitmap(icon)]).toEqual([0x4d, 0x48, 0xe5, 0xff, 0, 0, 0, 0]);
    expect([...icon]).toEqual([0xef, 0x8d, 0x5b, 0xff, 0, 0, 0, 0]);
  });

  it('shows the firing count on the tray', () => {
    const ackedOnly = [{ fingerprint: 'fp-db', title: 'DbDown', severity: 'P1', url: '', acknowledged: true }];
    expect(trayState({ type: 'alerts-firing', count: 0, critical: false, alerts: JSON.stringify(ackedOnly) })).toEqual({
      tooltip: 'Loupe — 1 acknowledged alert firing',
      badge: 0,
      alarm: false,
    });
    expect(trayState({ type: 'alerts-firing', count: 2, critical: true, alerts: '[]' })).toEqual({
      tooltip: 'Loupe — 2 alerts firing (critical)',
      badge: 2,
      alarm: true,
    });
    expect(trayState({ type: 'alerts-firing', count: 0, critical: false, alerts: '[]' })).toEqual({
      tooltip: 'Loupe',
      badge: 0,
      alarm: false,
    });
  });
});
